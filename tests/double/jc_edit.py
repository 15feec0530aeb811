# SPDX-License-Identifier: Apache-2.0
"""jc_edit.py JC_JSON CODE [KEY_DIR] — edits the JumpCloud data the double serves (gen_jc.py's
format) in place, atomically, by running CODE with: `j` the document, `users` its users,
`find(i)` user i's entry, `u(i)` its details, `b(i)` its binding, `key(name)` the public key
KEY_DIR/name.pub, `add(i, **details)` a new bound user i (a copy of user 1). Used by the tests'
`jc` helpers (tests/double/lib.sh, tests/e2e/test_jumpcloud_login.sh)."""
import copy
import json
import os
import sys

path, code = sys.argv[1], sys.argv[2]
keys = sys.argv[3] if len(sys.argv) > 3 else "."
j = json.load(open(path))
users = j["users"]


def find(i):
    return next(x for x in users if x["details"]["_id"] == "5f%022x" % i)


def u(i):
    return find(i)["details"]


def b(i):
    return find(i)["binding"]


def key(name):
    return open(os.path.join(keys, name + ".pub")).read().strip()


def add(i, **kw):
    x = copy.deepcopy(find(1))
    x["binding"] = {}
    x["details"].update({"_id": "5f%022x" % i, "systemUsername": "", "enable_managed_uid": False,
                         "unix_uid": 0, "unix_guid": 0})
    x["details"].update(kw)
    users.append(x)


exec(code)
json.dump(j, open(path + ".tmp", "w"))
os.rename(path + ".tmp", path)
