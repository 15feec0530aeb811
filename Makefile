# dirbind — GNU make build. `make` builds, `make check` installs missing build
# dependencies (debian/control) then runs every test, `make demo` runs the main job.
# Sources are discovered by directory: common/*.cc → libdirbind.a, cli/*.cc → dirbind,
# pam/*.cc → pam_dirbind.so, nss/*.cc + $(NSS_COMMON) → libnss_dirbind.so.2,
# tests/unit/test_*.cc → one cmocka program each (also built with ASan+UBSan).

TRIPLET   ?= $(shell dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -dumpmachine)
VERSION   := $(shell dpkg-parsechangelog -S Version 2>/dev/null | sed 's/-[^-]*$$//' || echo 0.0.0)
PREFIX    ?= /usr
DESTDIR   ?=
CXX       ?= g++
CC        ?= gcc
B         := build
A         := build/asan

WARN      := -Wall -Wextra -Werror -Wshadow -Wformat=2
HARDEN    := -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIC
CPPFLAGS  += -D_GNU_SOURCE -DDIRBIND_VERSION='"$(VERSION)"' -Icommon
CXXFLAGS  ?= -O2 -g
CXXFLAGS  += -std=c++20 $(WARN) $(HARDEN)
LDFLAGS   += -Wl,-z,relro,-z,now
ASANFLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LIBS      := -lyaml-cpp -lcurl -lcrypto -lcrypt -lpthread
# The NSS module is loaded into every process: no exceptions, no RTTI, no libstdc++.
NSSFLAGS  := -fno-exceptions -fno-rtti
# common/ files the NSS module may use (freestanding: libc only).
NSS_COMMON := common/cache_reader.cc common/cache_format.cc common/hash64.cc common/names.cc

COMMON_SRC := $(wildcard common/*.cc)
CLI_SRC    := $(wildcard cli/*.cc)
PAM_SRC    := $(wildcard pam/*.cc)
NSS_SRC    := $(wildcard nss/*.cc) $(NSS_COMMON)
UNIT_SRC   := $(wildcard tests/unit/test_*.cc)
HELPER_SRC := $(wildcard tests/helpers/*.cc)
FUZZ_SRC   := $(wildcard tests/fuzz/fuzz_*.cc)

obj = $(patsubst %.cc,$(1)/%.o,$(2))

NSS_SO  := $(B)/libnss_dirbind.so.2
PAM_SO  := $(B)/pam_dirbind.so
CLI     := $(B)/dirbind
UNITS   := $(patsubst tests/unit/%.cc,$(B)/tests/%,$(UNIT_SRC))
AUNITS  := $(patsubst tests/unit/%.cc,$(A)/tests/%,$(UNIT_SRC))
HELPERS := $(patsubst tests/helpers/%.cc,$(B)/tests/%,$(HELPER_SRC))
AHELPERS:= $(patsubst tests/helpers/%.cc,$(A)/tests/%,$(HELPER_SRC))

.PHONY: all check deps test test-build clean install demo demo-shell bench fuzz format
all: $(NSS_SO) $(CLI) $(if $(PAM_SRC),$(PAM_SO))

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

$(B)/libdirbind.a: $(call obj,$(B),$(COMMON_SRC))
	ar rcs $@ $^
$(A)/libdirbind.a: $(call obj,$(A),$(COMMON_SRC))
	ar rcs $@ $^

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

# ---- tests -----------------------------------------------------------------
$(B)/tests/%: $(B)/tests/unit/%.o $(B)/libdirbind.a
	$(CXX) $(LDFLAGS) -o $@ $< $(B)/libdirbind.a $(LIBS) -lcmocka -lpamtest -lpam -ldl
$(A)/tests/%: $(A)/tests/unit/%.o $(A)/libdirbind.a
	$(CXX) -fsanitize=address,undefined -o $@ $< $(A)/libdirbind.a $(LIBS) -lcmocka -lpamtest -lpam -ldl
$(B)/tests/%: $(B)/tests/helpers/%.o $(B)/libdirbind.a
	$(CXX) $(LDFLAGS) -o $@ $< $(B)/libdirbind.a $(LIBS) -lcmocka -lpamtest -lpam -ldl
$(A)/tests/%: $(A)/tests/helpers/%.o $(A)/libdirbind.a
	$(CXX) -fsanitize=address,undefined -o $@ $< $(A)/libdirbind.a $(LIBS) -lcmocka -lpamtest -lpam -ldl

test-build: all $(UNITS) $(HELPERS) $(A)/libnss_dirbind.so.2 $(A)/dirbind $(AUNITS) $(AHELPERS) \
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
FUZZFLAGS := -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION $(CPPFLAGS)
fuzz: $(patsubst tests/fuzz/%.cc,$(B)/fuzz/%,$(FUZZ_SRC))
$(B)/fuzz/%: tests/fuzz/%.cc $(COMMON_SRC)
	@mkdir -p $(@D)
	clang++-14 $(FUZZFLAGS) -o $@ $< $(COMMON_SRC) $(LIBS)

bench: deps all
	bench/run.sh $(B)

demo: deps all
	demo/demo.sh $(B)

install: all man
	install -d $(DESTDIR)/lib/$(TRIPLET) $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)/etc/dirbind \
	  $(DESTDIR)/lib/$(TRIPLET)/security $(DESTDIR)/var/lib/dirbind \
	  $(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 0644 $(filter %.5,$(MANPAGES)) $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 0644 $(filter %.8,$(MANPAGES)) $(DESTDIR)$(PREFIX)/share/man/man8/
	install -m 0644 $(NSS_SO) $(DESTDIR)/lib/$(TRIPLET)/libnss_dirbind.so.2
	install -m 0755 $(CLI) $(DESTDIR)$(PREFIX)/sbin/dirbind
	$(if $(PAM_SRC),install -m 0644 $(PAM_SO) $(DESTDIR)/lib/$(TRIPLET)/security/pam_dirbind.so)
	install -m 0644 docs/examples/dirbind.yaml $(DESTDIR)/etc/dirbind/dirbind.yaml.example
	install -m 0644 docs/examples/directory.yaml $(DESTDIR)/etc/dirbind/directory.yaml.example

format:
	clang-format -i $(wildcard common/*.h common/*.cc nss/*.cc nss/*.h pam/*.cc pam/*.h cli/*.cc cli/*.h tests/*/*.cc)

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

PKG_TREE   := Makefile README.md common cli nss pam debian packaging docs rpm tests
PKG_INPUTS := $(shell find Makefile README.md common cli nss pam debian packaging docs rpm tests/lib.sh \
                tests/unit tests/pam tests/helpers -type f -not -path 'debian/build/*' \
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
