# SPDX-License-Identifier: MIT
# certbind: keep TLS certificate bindings in step with the host's addresses.

PREFIX     ?= /usr/local
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UNITDIR    ?= $(PREFIX)/lib/systemd/system
DESTDIR    ?=
VERSION    := 0.1.0

CC      ?= cc
BUILD   ?= build
PKGS    := libnl-3.0 libnl-route-3.0 libnl-idiag-3.0 openssl libconfig libsystemd json-c
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS))

CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Wno-unused-parameter -fno-strict-aliasing
CPPFLAGS += -I. -D_GNU_SOURCE -DOPENSSL_API_COMPAT=30000 -DOPENSSL_NO_DEPRECATED \
            -DCERTBIND_VERSION='"$(VERSION)"' -MMD -MP
ifeq ($(SANITIZE),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

ifeq ($(V),1)
Q :=
else
Q := @
endif

UTIL_SRC    := $(wildcard util/*.c)
NETLINK_SRC := $(wildcard netlink/*.c)
POLICY_SRC  := $(wildcard policy/*.c)
MONITOR_LIB := $(filter-out monitor/main/%,$(wildcard monitor/*/*.c))
LIB_SRC     := $(UTIL_SRC) $(NETLINK_SRC) $(POLICY_SRC) $(MONITOR_LIB)
LIB_OBJ     := $(LIB_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC    := $(wildcard tests/unit/test_*.c)
UNIT_BIN    := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

all: $(BUILD)/certbindd $(BUILD)/certbindctl

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(BUILD)/libcertbind.a: $(LIB_OBJ)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/certbindd: $(BUILD)/monitor/main/certbindd.o $(BUILD)/libcertbind.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/certbindctl: $(BUILD)/monitor/main/certbindctl.o $(BUILD)/libcertbind.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libcertbind.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(PKG_CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libcertbind.a \
		$(PKG_LIBS) $$(pkg-config --libs cmocka)

tests: all $(UNIT_BIN)

deps:
	@./scripts/deps.sh

# The test suite: unit tests, then namespace integration tests (real nginx, real rsyslogd).
check: deps
	$(Q)$(MAKE) --no-print-directory tests
	$(Q)BUILD=$(BUILD) ./tests/run.sh

# The same suite with AddressSanitizer and UBSan.
asan: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(MAKE) --no-print-directory BUILD=build-asan SANITIZE=1 tests
	$(Q)BUILD=build-asan ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ./tests/run.sh

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BUILD=$(BUILD) ./scripts/demo.sh

# libFuzzer targets (clang), each run for FUZZ_SECONDS over its seed corpus in
# tests/fuzz/corpus/TARGET: a crasher added there is replayed on every run.
FUZZ_TARGETS := policy template ctlproto decide
FUZZ_SECONDS ?= 30
FUZZ_FLAGS   := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
                -fno-sanitize-recover=undefined
fuzz: deps
	$(Q)$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang CFLAGS="$(FUZZ_FLAGS)" \
		build-fuzz/libcertbind.a
	$(Q)for t in $(FUZZ_TARGETS); do \
		clang $(CPPFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer $(PKG_CFLAGS) -o build-fuzz/fuzz_$$t \
			tests/fuzz/fuzz_$$t.c build-fuzz/libcertbind.a $(PKG_LIBS) || exit 1; \
	done
	$(Q)for t in $(FUZZ_TARGETS); do \
		mkdir -p build-fuzz/corpus/$$t build-fuzz/artifacts; \
		echo "fuzz $$t: $(FUZZ_SECONDS) s"; \
		UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp build-fuzz/fuzz_$$t \
			-max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
			-artifact_prefix=build-fuzz/artifacts/$$t- -print_final_stats=0 \
			build-fuzz/corpus/$$t tests/fuzz/corpus/$$t > build-fuzz/fuzz_$$t.log 2>&1 || \
			{ tail -n 40 build-fuzz/fuzz_$$t.log; echo "fuzz $$t: FAILED (crasher in build-fuzz/artifacts)"; exit 1; }; \
		grep -Eo 'Done [0-9]+ runs in [0-9]+ second' build-fuzz/fuzz_$$t.log | tail -n 1; \
	done

# Benchmarks (not part of check): figures in a private namespace, bench/results.json.
bench: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BUILD=$(BUILD) ./bench/bench.sh

# The Debian package, built from a copy of the tree (dpkg-buildpackage writes into the
# parent directory): build-deb/certbind_VERSION_ARCH.deb, then lintian on it.
deb:
	$(Q)rm -rf build-deb && mkdir -p build-deb/src
	$(Q)git ls-files -z | xargs -0 cp --parents -t build-deb/src
	$(Q)cd build-deb/src && dpkg-buildpackage -us -uc -b > ../build.log 2>&1 || \
		{ tail -n 40 ../build.log; exit 1; }
	$(Q)lintian --fail-on error build-deb/certbind_$(VERSION)_*.deb
	@ls build-deb/*.deb

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSCONFDIR)/certbind
	install -m 0755 $(BUILD)/certbindd $(BUILD)/certbindctl $(DESTDIR)$(SBINDIR)/
	install -m 0644 man/certbindd.8 man/certbindctl.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 man/certbind.conf.5 $(DESTDIR)$(MANDIR)/man5/
	sed 's|@SBINDIR@|$(SBINDIR)|g' dist/certbindd.service > $(DESTDIR)$(UNITDIR)/certbindd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/certbindd.service
	install -m 0644 dist/certbind.conf.example $(DESTDIR)$(SYSCONFDIR)/certbind/certbind.conf.example

clean:
	rm -rf build build-asan build-fuzz build-deb

.PHONY: all tests deps check asan demo install clean fuzz bench deb
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
