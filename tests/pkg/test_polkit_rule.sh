#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_polkit_rule.sh — the shipped polkit rule (packaging/polkit/49-dirbind.rules), evaluated
# the way polkitd calls it: the file is run against a `polkit` object that collects the
# functions given to addRule/addAdminRule, which are then asked about subjects in each group.
# Members of dirbind-sudo and dirbind-sudo-nopasswd are administrators (as themselves); only
# the nopasswd group gets YES without a password; everyone else gets no answer from it, so the
# distribution's rules decide. Needs a JavaScript engine (node, Debian package nodejs); polkitd
# itself has no offline evaluator.
. "$(dirname "$0")/../lib.sh"
command -v node >/dev/null || skip "node missing (Debian package nodejs): the polkit rule was not evaluated"
RULE=$SRC/packaging/polkit/49-dirbind.rules
out=$(node - "$RULE" <<'JS' 2>&1
const src = require("fs").readFileSync(process.argv[2], "utf8");
const rules = [], admin = [];
const polkit = {Result: {YES: "yes", NO: "no", AUTH_ADMIN: "auth_admin", AUTH_SELF: "auth_self"},
                addRule: f => rules.push(f), addAdminRule: f => admin.push(f), log: () => {}};
new Function("polkit", src)(polkit);
const action = {id: "org.freedesktop.systemd1.manage-units"};
for (const groups of [["dirbind-sudo"], ["dirbind-sudo-nopasswd"], ["users", "sudo"], []]) {
    const subject = {user: "alice", isInGroup: g => groups.includes(g)};
    const a = admin.map(f => f(action, subject)).find(r => r != null);
    const r = rules.map(f => f(action, subject)).find(r => r != null);
    console.log((groups.join(",") || "none") + " admin=" + JSON.stringify(a ?? null) + " result=" + (r ?? "none"));
}
JS
)
check "the rule runs and answers for each kind of subject" \
    'dirbind-sudo admin=["unix-user:alice"] result=none
dirbind-sudo-nopasswd admin=["unix-user:alice"] result=yes
users,sudo admin=null result=none
none admin=null result=none' "$out"
finish
