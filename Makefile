# dnsvizor — build, test, fuzz, bench, install.
#   make            build build/dnsvizor
#   make test       unit + integration tests (installs deps first)
#   make asan       the same suite under ASan+UBSan (== make test SAN=1)
#   make fuzz       build libFuzzer targets with clang and run each briefly
#   make bench      benchmarks vs NSD and knotd (not tests)
#   make run        build and run with the embedded default config
#   make install    PREFIX=/usr/local DESTDIR= (binary, man page,
#                   systemd unit, example config)

PREFIX  ?= /usr/local
DESTDIR ?=
SYSCONFDIR ?= /etc
UNITDIR ?= $(PREFIX)/lib/systemd/system
SAN     ?= 0
FUZZ_SECONDS ?= 30

ifeq ($(SAN),1)
BUILD   := build-san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT     := -O1 -g
else
BUILD   := build
SANFLAGS :=
OPT     := -O2 -g
endif

PKGS    := ldns libevent libevent_openssl libnl-3.0 libnl-route-3.0 openssl libnghttp2 jansson
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN    := -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wstrict-prototypes
CFLAGS  ?=
CFLAGS  += -std=c11 $(WARN) $(OPT) $(SANFLAGS) -D_GNU_SOURCE -I.
LDFLAGS += $(SANFLAGS)

ZONES_SRC    := $(wildcard zones/*.c)
RESOLVER_SRC := $(wildcard resolver/*.c)
DHCP_SRC     := $(wildcard dhcp/*.c)
ACME_SRC     := $(wildcard acme/*.c)
SHELL_SRC    := $(wildcard dnsvizor/*.c)
UNIT_SRC     := $(wildcard tests/unit/test_*.c)

ZONES_OBJ    := $(ZONES_SRC:%.c=$(BUILD)/obj/%.o)
RESOLVER_OBJ := $(RESOLVER_SRC:%.c=$(BUILD)/obj/%.o)
DHCP_OBJ     := $(DHCP_SRC:%.c=$(BUILD)/obj/%.o)
ACME_OBJ     := $(ACME_SRC:%.c=$(BUILD)/obj/%.o)
SHELL_OBJ    := $(SHELL_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_BIN     := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

LIBS := $(BUILD)/libresolver.a $(BUILD)/libzones.a $(BUILD)/libdhcp.a \
	$(BUILD)/libacme.a

.PHONY: all deps test asan fuzz bench run install clean check-arrows check-sansio check-loops man unit integration

all: $(BUILD)/dnsvizor contrib/dnsvizor.8 check-arrows check-sansio check-loops

deps:
	@sh contrib/deps.sh

$(BUILD)/obj/%.o: %.c $(wildcard */*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(BUILD)/libzones.a: $(ZONES_OBJ)
	@mkdir -p $(dir $@); rm -f $@; ar rcs $@ $^
$(BUILD)/libresolver.a: $(RESOLVER_OBJ)
	@mkdir -p $(dir $@); rm -f $@; ar rcs $@ $^
$(BUILD)/libdhcp.a: $(DHCP_OBJ)
	@mkdir -p $(dir $@); rm -f $@; ar rcs $@ $^
$(BUILD)/libacme.a: $(ACME_OBJ)
	@mkdir -p $(dir $@); rm -f $@; ar rcs $@ $^

$(BUILD)/dnsvizor: $(SHELL_OBJ) $(LIBS)
	$(CC) $(LDFLAGS) -o $@ $(SHELL_OBJ) $(LIBS) $(PKG_LIBS)

# Unit tests link the protocol libraries only (sans-IO cores).
$(BUILD)/tests/%: tests/unit/%.c tests/unit/t.h tests/unit/tzone.h \
		  tests/unit/tldns.h $(LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) $(LDFLAGS) -o $@ $< $(LIBS) $(PKG_LIBS)

# The man page is generated from the option table.
contrib/dnsvizor.8: $(BUILD)/dnsvizor
	$(BUILD)/dnsvizor --man > $@.tmp && mv $@.tmp $@

# Arrows point down only: zones/ includes nothing from above it, etc.;
# acme/ (the ACME engine) depends on OpenSSL and jansson only.
check-arrows:
	@sh contrib/check-arrows.sh

# Protocol libraries must not call socket, file, clock or random functions.
check-sansio: $(LIBS)
	@SAN=$(SAN) sh contrib/check-sansio.sh $(LIBS)

# No loops of calls between shell files (from the objects' symbols).
check-loops: $(BUILD)/dnsvizor
	@sh contrib/check-loops.sh $(BUILD)/obj/dnsvizor

unit: $(UNIT_BIN)

# make test: the suite on the normal build, then again under ASan+UBSan
# (one combined "N passed, N failed" line).  make test SAN=1 / make asan:
# only the sanitizer run.
ifeq ($(SAN),1)
TEST_BUILDS := build-san
else
TEST_BUILDS := build build-san
endif

test: deps
	@$(MAKE) --no-print-directory all unit SAN=$(SAN)
	@if [ "$(SAN)" != 1 ]; then $(MAKE) --no-print-directory all unit SAN=1; fi
	@sh tests/run.sh $(TEST_BUILDS)

asan:
	@$(MAKE) --no-print-directory test SAN=1

fuzz: deps
	@sh tests/fuzz/run.sh $(FUZZ_SECONDS)

bench: deps
	@$(MAKE) --no-print-directory all
	@sh tests/bench/bench.sh

run: deps
	@$(MAKE) --no-print-directory $(BUILD)/dnsvizor
	mkdir -p state
	exec $(BUILD)/dnsvizor --state-dir=./state

# The unit gets the installed paths; an existing configuration is kept
# (the example is always in share/doc).
install: $(BUILD)/dnsvizor contrib/dnsvizor.8
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/share/man/man8 \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSCONFDIR)/dnsvizor \
		$(DESTDIR)$(PREFIX)/share/doc/dnsvizor
	install -m 755 $(BUILD)/dnsvizor $(DESTDIR)$(PREFIX)/sbin/dnsvizor
	install -m 644 contrib/dnsvizor.8 $(DESTDIR)$(PREFIX)/share/man/man8/dnsvizor.8
	sed -e 's|@SBINDIR@|$(PREFIX)/sbin|g' \
	    -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' contrib/dnsvizor.service \
		> $(DESTDIR)$(UNITDIR)/dnsvizor.service
	chmod 644 $(DESTDIR)$(UNITDIR)/dnsvizor.service
	install -m 644 contrib/dnsvizor.conf \
		$(DESTDIR)$(PREFIX)/share/doc/dnsvizor/dnsvizor.conf.example
	test -e $(DESTDIR)$(SYSCONFDIR)/dnsvizor/dnsvizor.conf || \
		install -m 644 contrib/dnsvizor.conf \
			$(DESTDIR)$(SYSCONFDIR)/dnsvizor/dnsvizor.conf

clean:
	rm -rf build build-san build-fuzz
