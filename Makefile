# dirbind — GNU make build. `make` builds, `make check` installs missing build
# dependencies (debian/control) then runs every test, `make demo` runs the main job.
# Sources are discovered by folder, never listed (common/README.md has the layout):
#   common/*/*.cc        → libdirbind.a, the core every program links
#   nss/*.cc + common/cache/*.cc → libnss_dirbind.so.2 (libc only: it runs in every process)
#   cli/*.cc + core      → dirbind
#   pam/*.cc + core      → pam_dirbind.so
#   net/*.cc + core      → dirbind-net.so, the plugin with every network source (libcurl,
#                          OpenSSL), which the core dlopen()s only for a network source
#                          (common/sync/net_plugin.h); dirbind and pam_dirbind.so never link it
#   tests/unit/*/test_*.cc → one cmocka program each, build/tests/test_X (also with ASan+UBSan)

TRIPLET   ?= $(shell dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -dumpmachine)
VERSION   := $(shell dpkg-parsechangelog -S Version 2>/dev/null | sed 's/-[^-]*$$//' || echo 0.0.0)
PREFIX    ?= /usr
# Where dirbind-net.so is installed and looked for (compiled in; tests use $DIRBIND_NET_PLUGIN).
PLUGINDIR ?= $(PREFIX)/lib/$(TRIPLET)/dirbind
DESTDIR   ?=
CXX       ?= g++
CC        ?= gcc
B         := build
A         := build/asan

WARN      := -Wall -Wextra -Werror -Wshadow -Wformat=2
HARDEN    := -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIC
# Headers are included by folder: "cache/cache_reader.h" (common/), "net/https_client.h" (here).
INCLUDES  := -Icommon -I.
# The plugin and the core pass these headers' structs by reference: a plugin from other
# sources must be refused, not misread (net_plugin.h). The tag hashes exactly the project
# headers net_plugin.h includes, directly or not (found by the preprocessor): both sides
# depend on all of them, so a change rebuilds both with the same tag.
NET_ABI_H := $(filter-out %:,$(shell $(CXX) -std=c++20 $(INCLUDES) -MM common/sync/net_plugin.h 2>/dev/null | tr -d '\\'))
NET_ABI   := $(shell cat $(sort $(NET_ABI_H)) 2>/dev/null | sha256sum | cut -c1-16)
CPPFLAGS  += -D_GNU_SOURCE -DDIRBIND_VERSION='"$(VERSION)"' $(INCLUDES) \
             -DDIRBIND_PLUGIN_DIR='"$(PLUGINDIR)"' -DDIRBIND_NET_ABI='"$(NET_ABI)"'
CXXFLAGS  ?= -O2 -g
CXXFLAGS  += -std=c++20 $(WARN) $(HARDEN)
# --as-needed: a library no object uses costs every `dirbind authorized-keys` its load time.
LDFLAGS   += -Wl,-z,relro,-z,now -Wl,--as-needed
ASANFLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# The core's libraries; the plugin adds NET_LIBS. Nothing here may pull in libcurl, libcrypto
# or libldap (tests/cli/test_lean_binaries.sh): sshd starts the core for every login.
LIBS      := -lyaml-cpp -lnettle -lhogweed -lgmp -lcrypt -lpthread
NET_LIBS  := -lcurl -lcrypto -lldap -llber
# The NSS module is loaded into every process: no exceptions, no RTTI, no libstdc++
# (DIRBIND_FREESTANDING leaves the C++ half of system/error.h out).
NSSFLAGS  := -fno-exceptions -fno-rtti -DDIRBIND_FREESTANDING

COMMON_SRC := $(wildcard common/*/*.cc)
NET_SRC    := $(wildcard net/*.cc)
CLI_SRC    := $(wildcard cli/*.cc)
PAM_SRC    := $(wildcard pam/*.cc)
NSS_SRC    := $(wildcard nss/*.cc) $(wildcard common/cache/*.cc)
UNIT_SRC   := $(wildcard tests/unit/*/test_*.cc)
FUZZ_SRC   := $(wildcard tests/fuzz/fuzz_*.cc)
# Objects go into archives by file name: two sources of one name would replace each other.
DUP_NAMES  := $(shell printf '%s\n' $(notdir $(COMMON_SRC) $(NET_SRC)) | sort | uniq -d)
$(if $(DUP_NAMES),$(error two sources share a file name: $(DUP_NAMES)))

obj = $(patsubst %.cc,$(1)/%.o,$(2))

NSS_SO  := $(B)/libnss_dirbind.so.2
PAM_SO  := $(B)/pam_dirbind.so
CLI     := $(B)/dirbind
NET_SO  := $(B)/dirbind-net.so
UNIT_NAMES := $(basename $(notdir $(UNIT_SRC)))
UNITS   := $(addprefix $(B)/tests/,$(UNIT_NAMES))
AUNITS  := $(addprefix $(A)/tests/,$(UNIT_NAMES))

.PHONY: all check deps test test-build clean install demo demo-shell bench fuzz format
all: $(NSS_SO) $(CLI) $(NET_SO) $(if $(PAM_SRC),$(PAM_SO))

# ---- objects ---------------------------------------------------------------
$(B)/%.o: %.cc
	@mkdir -p $(@D)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -MMD -MP -c $< -o $@
$(A)/%.o: %.cc
	@mkdir -p $(@D)
	$(CXX) $(CPPFLAGS) -std=c++20 $(WARN) -fPIC $(ASANFLAGS) -MMD -MP -c $< -o $@
$(B)/nssobj/%.o: %.cc
	@mkdir -p $(@D)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) $(NSSFLAGS) -MMD -MP -c $< -o $@
$(A)/nssobj/%.o: %.cc
	@mkdir -p $(@D)
	$(CXX) $(CPPFLAGS) -std=c++20 $(WARN) -fPIC $(NSSFLAGS) $(ASANFLAGS) -MMD -MP -c $< -o $@

# Rebuilt from scratch: `ar r` alone would keep members whose source left the list.
$(B)/libdirbind.a: $(call obj,$(B),$(COMMON_SRC))
	rm -f $@ && ar rcs $@ $^
$(A)/libdirbind.a: $(call obj,$(A),$(COMMON_SRC))
	rm -f $@ && ar rcs $@ $^
# The network objects, for the test programs that call them without the plugin.
$(B)/libdirbind-net.a: $(call obj,$(B),$(NET_SRC))
	rm -f $@ && ar rcs $@ $^
$(A)/libdirbind-net.a: $(call obj,$(A),$(NET_SRC))
	rm -f $@ && ar rcs $@ $^

# ---- products --------------------------------------------------------------
# Linked with gcc, not g++: the module must not pull in libstdc++ (tests/nss/test_ldd.sh).
$(NSS_SO): $(call obj,$(B)/nssobj,$(NSS_SRC)) nss/exports.map
	$(CC) -shared -Wl,-soname,libnss_dirbind.so.2 -Wl,--version-script=nss/exports.map \
	  -Wl,-z,defs $(LDFLAGS) -o $@ $(filter %.o,$^) -lpthread
$(A)/libnss_dirbind.so.2: $(call obj,$(A)/nssobj,$(NSS_SRC)) nss/exports.map
	$(CXX) -shared -fsanitize=address,undefined -Wl,--version-script=nss/exports.map \
	  -o $@ $(filter %.o,$^) -lpthread
$(PAM_SO): $(call obj,$(B),$(PAM_SRC)) $(B)/libdirbind.a pam/exports.map
	$(CXX) -shared -Wl,--version-script=pam/exports.map -Wl,-z,defs $(LDFLAGS) -o $@ \
	  $(filter %.o,$^) $(B)/libdirbind.a -lpam $(LIBS)
$(A)/pam_dirbind.so: $(call obj,$(A),$(PAM_SRC)) $(A)/libdirbind.a pam/exports.map
	$(CXX) -shared -fsanitize=address,undefined -Wl,--version-script=pam/exports.map -o $@ \
	  $(filter %.o,$^) $(A)/libdirbind.a -lpam $(LIBS)
$(CLI): $(call obj,$(B),$(CLI_SRC)) $(B)/libdirbind.a
	$(CXX) $(LDFLAGS) -o $@ $(filter %.o,$^) $(B)/libdirbind.a $(LIBS)
$(A)/dirbind: $(call obj,$(A),$(CLI_SRC)) $(A)/libdirbind.a
	$(CXX) -fsanitize=address,undefined -o $@ $(filter %.o,$^) $(A)/libdirbind.a $(LIBS)
# The plugin carries its own copy of the libdirbind.a objects it uses; its version script keeps
# them local. No SONAME: nothing links against it.
$(NET_SO): $(call obj,$(B),$(NET_SRC)) $(B)/libdirbind.a net/exports.map
	$(CXX) -shared -Wl,--version-script=net/exports.map -Wl,-z,defs $(LDFLAGS) -o $@ \
	  $(filter %.o,$^) $(B)/libdirbind.a $(NET_LIBS) $(LIBS)
$(A)/dirbind-net.so: $(call obj,$(A),$(NET_SRC)) $(A)/libdirbind.a net/exports.map
	$(CXX) -shared -fsanitize=address,undefined -Wl,--version-script=net/exports.map -o $@ \
	  $(filter %.o,$^) $(A)/libdirbind.a $(NET_LIBS) $(LIBS)

# ---- tests -----------------------------------------------------------------
# Test programs link the network objects directly (libdirbind-net.a), so that the unit tests
# of net/ call them without the plugin; fetch_directory() still goes through the plugin
# ($DIRBIND_NET_PLUGIN, tests/run-all.sh). tests/unit/FOLDER/test_X.cc → build/tests/test_X.
TEST_LIBS = $(1)/libdirbind-net.a $(1)/libdirbind.a $(NET_LIBS) $(LIBS) -lcmocka -lpamtest -lpam -ldl
ASAN_LD := -fsanitize=address,undefined
define unit_program
$(B)/tests/$(basename $(notdir $(1))): $(B)/$(1:.cc=.o) $(B)/libdirbind-net.a $(B)/libdirbind.a
	$$(CXX) $$(LDFLAGS) -o $$@ $$< $$(call TEST_LIBS,$(B))
$(A)/tests/$(basename $(notdir $(1))): $(A)/$(1:.cc=.o) $(A)/libdirbind-net.a $(A)/libdirbind.a
	$$(CXX) $$(ASAN_LD) -o $$@ $$< $$(call TEST_LIBS,$(A))
endef
$(foreach s,$(UNIT_SRC),$(eval $(call unit_program,$(s))))

test-build: all $(UNITS) $(A)/libnss_dirbind.so.2 $(A)/dirbind $(A)/dirbind-net.so $(AUNITS) \
            $(if $(PAM_SRC),$(A)/pam_dirbind.so)

# Installs what debian/control's Build-Depends lists and this machine lacks.
deps:
	@if ! dpkg-checkbuilddeps >/dev/null 2>&1; then \
	  echo "make: installing missing build dependencies from debian/control"; \
	  [ "$$(id -u)" = 0 ] || { echo "make: run as root (or install: $$(dpkg-checkbuilddeps 2>&1 | sed 's/.*dependencies: //'))" >&2; exit 1; }; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get build-dep -y -qq ./ >/dev/null || exit 1; \
	fi

check: deps
	$(MAKE) test-build
	tests/run-all.sh $(B) $(A)

test: test-build
	tests/run-all.sh $(B) $(A)

# ---- other -----------------------------------------------------------------
# A third flavour: every source compiled once with the fuzzer's instrumentation into one archive
# (the network ones included: the targets call them directly, no plugin), each target linked to it.
F := $(B)/fuzz
FUZZFLAGS := -std=c++20 -g -O1 -fsanitize=fuzzer-no-link,address,undefined -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
fuzz: $(patsubst tests/fuzz/%.cc,$(F)/%,$(FUZZ_SRC))
.SECONDARY: $(patsubst %.cc,$(F)/obj/%.o,$(FUZZ_SRC))
$(F)/obj/%.o: %.cc
	@mkdir -p $(@D)
	clang++-14 $(CPPFLAGS) $(FUZZFLAGS) -MMD -MP -c $< -o $@
$(F)/libdirbind.a: $(call obj,$(F)/obj,$(COMMON_SRC) $(NET_SRC))
	rm -f $@ && ar rcs $@ $^
$(F)/%: $(F)/obj/tests/fuzz/%.o $(F)/libdirbind.a
	clang++-14 -fsanitize=fuzzer,address,undefined -o $@ $< $(F)/libdirbind.a $(NET_LIBS) $(LIBS)

bench: deps all
	bench/run.sh $(B)

demo: deps all
	demo/demo.sh $(B)

install: all man
	install -d $(DESTDIR)/lib/$(TRIPLET) $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)/etc/dirbind \
	  $(DESTDIR)/lib/$(TRIPLET)/security $(DESTDIR)/var/lib/dirbind \
	  $(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man8 $(DESTDIR)$(PLUGINDIR)
	install -m 0644 $(filter %.5,$(MANPAGES)) $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 0644 $(filter %.8,$(MANPAGES)) $(DESTDIR)$(PREFIX)/share/man/man8/
	install -m 0644 $(NSS_SO) $(DESTDIR)/lib/$(TRIPLET)/libnss_dirbind.so.2
	install -m 0755 $(CLI) $(DESTDIR)$(PREFIX)/sbin/dirbind
	install -m 0644 $(NET_SO) $(DESTDIR)$(PLUGINDIR)/dirbind-net.so
	$(if $(PAM_SRC),install -m 0644 $(PAM_SO) $(DESTDIR)/lib/$(TRIPLET)/security/pam_dirbind.so)
	install -m 0644 docs/examples/dirbind.yaml $(DESTDIR)/etc/dirbind/dirbind.yaml.example
	install -m 0644 docs/examples/directory.yaml $(DESTDIR)/etc/dirbind/directory.yaml.example

format:
	clang-format -i $(wildcard common/*/*.h common/*/*.cc nss/*.cc nss/*.h pam/*.cc pam/*.h cli/*.cc cli/*.h \
	  net/*.cc net/*.h tests/unit/*/*.cc tests/unit/*/*.h tests/unit/*.h tests/fuzz/*.cc bench/*.cc bench/*.h)

clean:
	rm -rf $(B)

-include $(shell find $(B) -name '*.d' 2>/dev/null)

# ---- packaging: man pages, .deb, .rpm (docs/admin-guide.md) -----------------------------
# `make man`: docs/man/*.scd → $(B)/man/NAME.SECTION (roff, by scdoc).
# `make deb`: dpkg-buildpackage -us -uc -b on a copy of the tree in $(B)/deb/, so the
#   working tree gets no debian/tmp and the .debs land in $(B)/deb/ (not in ..). MAKEFLAGS
#   is dropped: this make's B=... must not override debian/rules' own.
#   DEB_BUILD_OPTIONS passes through (default parallel=<cores>; add nocheck to skip the
#   unit tests the package build runs). Rebuilt only when a packaged input changed.
# `make rpm`: rpmbuild -bb rpm/dirbind.spec from a tarball of the tree; RPMs in $(B)/rpm/RPMS/.
#   --nodeps: Debian's rpm database knows no BuildRequires; no debuginfo subpackages (Debian's
#   rpm cannot make them).
.PHONY: man deb rpm
MAN_SRC  := $(wildcard docs/man/*.scd)
MANPAGES := $(patsubst docs/man/%.scd,$(B)/man/%,$(MAN_SRC))
man: $(MANPAGES)
$(B)/man/%: docs/man/%.scd
	@mkdir -p $(@D)
	scdoc <$< >$@.tmp && mv $@.tmp $@

PKG_TREE   := Makefile README.md LICENSE common cli net nss pam debian packaging docs rpm tests
PKG_INPUTS := $(shell find Makefile README.md LICENSE common cli net nss pam debian packaging docs rpm tests/lib.sh \
                tests/unit -type f -not -path 'debian/build/*' \
                -not -path 'debian/tmp/*' -not -path 'debian/.debhelper/*' 2>/dev/null)
DEB_OUT    := $(B)/deb
RPM_OUT    := $(B)/rpm

deb: $(DEB_OUT)/.built
$(DEB_OUT)/.built: $(PKG_INPUTS)
	rm -rf $(DEB_OUT) && mkdir -p $(DEB_OUT)/dirbind-$(VERSION)
	tar -cf - --exclude=debian/build --exclude=debian/tmp --exclude=debian/.debhelper \
	  --exclude=tests/fuzz $(PKG_TREE) | tar -xf - -C $(DEB_OUT)/dirbind-$(VERSION)
	cd $(DEB_OUT)/dirbind-$(VERSION) && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	  DEB_BUILD_OPTIONS="$${DEB_BUILD_OPTIONS:-parallel=$$(nproc)}" dpkg-buildpackage -us -uc -b
	rm -rf $(DEB_OUT)/dirbind-$(VERSION)
	@ls $(DEB_OUT)/*.deb
	touch $@

# The spec's Version names the tarball (no dpkg-parsechangelog on RHEL).
RPM_VERSION = $(shell sed -n 's/^Version:[[:space:]]*//p' rpm/dirbind.spec)
rpm: $(RPM_OUT)/.built
$(RPM_OUT)/.built: $(PKG_INPUTS)
	rm -rf $(RPM_OUT) && mkdir -p $(RPM_OUT)/SOURCES
	tar -czf $(RPM_OUT)/SOURCES/dirbind-$(RPM_VERSION).tar.gz --exclude=debian/build \
	  --exclude=debian/tmp --exclude=debian/.debhelper --exclude=tests/fuzz \
	  --transform 's,^,dirbind-$(RPM_VERSION)/,' $(PKG_TREE)
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL rpmbuild -bb --nodeps --define '_topdir $(abspath $(RPM_OUT))' \
	  --define 'debug_package %{nil}' --define '_smp_mflags -j$(shell nproc)' rpm/dirbind.spec
	@ls $(RPM_OUT)/RPMS/*/*.rpm
	touch $@
demo-shell: deps all
	demo/demo.sh $(B) --shell
