# dacc -- softpause (and, later, fund).  Plain GNU Make.
#
#   make                 build library, verifier archive, command (into $(BUILD)/)
#   make test            build and run the whole suite; ends with "N passed, N failed"
#   make CC=clang        the same with clang;  make SAN=1  with ASan+UBSan (BUILD=build-san)
#   make check-freestanding   nm -u and worst-case stack checks of the verifier
#   make fuzz            libFuzzer targets (clang)     make bench    benchmarks
#   make install PREFIX=/usr/local   (also share/man/man1/softpause.1, fund.1)
#   make man             regenerate docs/*.1 from docs/*.1.md (go-md2man)
#
# Layers (see docs/architecture.md): src/verifier (freestanding, no libc beyond mem*),
# src/host (libsodium, files), src/cmd (thin commands).  Imports go downwards only.

CC      ?= cc
PREFIX  ?= /usr/local
SAN     ?=
ifeq ($(SAN),1)
BUILD   ?= build-san
else
BUILD   ?= build
endif

# The version is defined once, in include/dacc/version.h.
VERSION := $(shell sed -n 's/^#define DACC_VERSION "\(.*\)"$$/\1/p' include/dacc/version.h)

WARN := -std=c11 -Wall -Wextra -Werror -pedantic -Wvla -Wshadow -Wstrict-prototypes \
        -Wmissing-prototypes -Wcast-qual -Wformat=2 -Wundef -Wpointer-arith -Wwrite-strings
OPT     ?= -O2 -g
CPPFLAGS_ALL := -Iinclude
SANFLAGS :=
ifeq ($(SAN),1)
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
endif

# The verifier is compiled as freestanding code: no builtins that could pull libc in,
# no stack protector runtime, a per-frame stack limit.
IS_GCC := $(shell $(CC) --version 2>/dev/null | grep -qi 'gcc\|Free Software' && echo 1)
# (Sanitizers add redzones to every frame, so the per-frame limit applies to plain builds;
# `make check-freestanding` computes the real worst case from a plain gcc build.)
VERIFIER_FLAGS := -ffreestanding -fno-stack-protector
ifneq ($(SAN),1)
VERIFIER_FLAGS += -Wframe-larger-than=1024
ifeq ($(IS_GCC),1)
VERIFIER_FLAGS += -Wstack-usage=1024
endif
endif
HOST_FLAGS := -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE

SODIUM_LIBS := $(shell pkg-config --libs libsodium 2>/dev/null || echo -lsodium)
# The host layer's chosen libraries: SQLite (log and witness storage), libmicrohttpd
# (servers), libcurl (the log's witness client, bundle fetching).
HOST_LIBS := $(SODIUM_LIBS) $(shell pkg-config --libs sqlite3 libmicrohttpd libcurl 2>/dev/null || echo -lsqlite3 -lmicrohttpd -lcurl) -lpthread

VERIFIER_SRC := $(sort $(wildcard src/verifier/*.c))
HOST_SRC     := $(sort $(wildcard src/host/*.c src/server/*.c))
CMD_SRC      := $(sort $(wildcard src/cmd/softpause/*.c))
TEST_SRC     := $(sort $(filter-out tests/fund/%,$(wildcard tests/*/test_*.c)))
SUPPORT_SRC  := $(sort $(wildcard tests/support/*.c))
FUZZ_SRC     := $(sort $(wildcard fuzz/targets/fuzz_*.c))
BENCH_SRC    := $(sort $(filter-out bench/fund%,$(wildcard bench/*.c)))
FUND_BENCH_SRC := $(sort $(wildcard bench/fund*.c))
HEADERS      := $(wildcard include/*/*.h include/softpause/host/*.h include/softpause/server/*.h src/*/*.h src/cmd/*/*.h tests/*.h tests/*/*.h fuzz/*.h fuzz/gen/*.h bench/*.h bench/*/*.h)

VERIFIER_OBJ := $(VERIFIER_SRC:%.c=$(BUILD)/%.o)
HOST_OBJ     := $(HOST_SRC:%.c=$(BUILD)/%.o)
CMD_OBJ      := $(CMD_SRC:%.c=$(BUILD)/%.o)
SUPPORT_OBJ  := $(SUPPORT_SRC:%.c=$(BUILD)/%.o)
TEST_BIN     := $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRC))
# Test-only tools the CLI tests run (tests/tools/*.c; never installed).
TEST_TOOL_BIN := $(patsubst tests/%.c,$(BUILD)/tests/%,$(sort $(wildcard tests/tools/*.c)))
REPLAY_BIN   := $(patsubst fuzz/targets/%.c,$(BUILD)/fuzz/replay_%,$(FUZZ_SRC))
BENCH_BIN    := $(patsubst bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC))
FUND_BENCH_BIN := $(patsubst bench/%.c,$(BUILD)/bench/%,$(FUND_BENCH_SRC))

# The fund wing (src/common: CSV/JSON helpers both wings may use; src/fund: the library;
# src/cmd/fund: the command).  It imports nothing from softpause, nor softpause from it.
COMMON_SRC   := $(sort $(wildcard src/common/*.c))
FUND_SRC     := $(sort $(wildcard src/fund/*.c))
FUND_CMD_SRC := $(sort $(wildcard src/cmd/fund/*.c))
FUND_TEST_SRC := $(sort $(wildcard tests/fund/test_*.c))
FUND_OBJ     := $(COMMON_SRC:%.c=$(BUILD)/%.o) $(FUND_SRC:%.c=$(BUILD)/%.o)
FUND_CMD_OBJ := $(FUND_CMD_SRC:%.c=$(BUILD)/%.o)
FUND_TEST_BIN := $(patsubst tests/%.c,$(BUILD)/tests/%,$(FUND_TEST_SRC))
LIBFUND      := $(BUILD)/libfund.a
# The wing uses pthreads (src/fund/parallel.c: pairwise and COCM split their work).
FUND_LIBS    := -lm -lpthread
# The previous pairwise and COCM (bench/baseline/): the paired benchmark's baseline and the
# equivalence tests' reference; linked into the fund tests and benchmarks, never installed.
BASELINE_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(sort $(wildcard bench/baseline/*.c)))
FUNDCMD      := $(if $(FUND_CMD_SRC),$(BUILD)/fund)

LIBVERIFY := $(BUILD)/libspverify.a
LIBSP     := $(BUILD)/libsoftpause.a
CMD       := $(BUILD)/softpause

.SECONDARY: $(SUPPORT_OBJ)
.PHONY: all test check-freestanding fuzz bench install clean docs format man
all: $(LIBVERIFY) $(LIBSP) $(CMD) $(FUNDCMD)

$(BUILD)/src/verifier/%.o: src/verifier/%.c $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) $(WARN) $(OPT) $(SANFLAGS) $(VERIFIER_FLAGS) $(EXTRA_VERIFIER_FLAGS) -c $< -o $@

$(BUILD)/src/%.o: src/%.c $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) $(WARN) $(OPT) $(SANFLAGS) $(HOST_FLAGS) -c $< -o $@

$(BUILD)/tests/support/%.o: tests/support/%.c $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) -Itests $(WARN) $(OPT) $(SANFLAGS) $(HOST_FLAGS) -c $< -o $@

$(LIBVERIFY): $(VERIFIER_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(LIBSP): $(VERIFIER_OBJ) $(HOST_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(LIBFUND): $(FUND_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/fund: $(FUND_CMD_OBJ) $(LIBFUND)
	$(CC) $(SANFLAGS) -o $@ $(FUND_CMD_OBJ) $(LIBFUND) $(FUND_LIBS)

$(BUILD)/bench/baseline/%.o: bench/baseline/%.c $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) $(WARN) $(OPT) $(SANFLAGS) $(HOST_FLAGS) -c $< -o $@

$(BUILD)/tests/fund/%: tests/fund/%.c $(LIBFUND) $(BASELINE_OBJ) $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) -Itests -Ibench $(WARN) $(OPT) $(SANFLAGS) $(HOST_FLAGS) -o $@ $< $(BASELINE_OBJ) $(LIBFUND) $(FUND_LIBS)

# The command also uses the shared host helpers of src/common (the JSON writer).
COMMON_OBJ := $(COMMON_SRC:%.c=$(BUILD)/%.o)
$(CMD): $(CMD_OBJ) $(LIBSP) $(COMMON_OBJ)
	$(CC) $(SANFLAGS) -o $@ $(CMD_OBJ) $(LIBSP) $(COMMON_OBJ) $(HOST_LIBS) -lm

$(BUILD)/tests/%: tests/%.c $(SUPPORT_OBJ) $(LIBSP) $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) -Itests $(WARN) $(OPT) $(SANFLAGS) $(HOST_FLAGS) -o $@ $< $(SUPPORT_OBJ) $(LIBSP) $(HOST_LIBS)

# Fuzz corpus replay: the same target code, driven by fuzz/replay_main.c, no libFuzzer.
$(BUILD)/fuzz/replay_%: fuzz/targets/%.c fuzz/replay_main.c $(LIBSP) $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) $(WARN) $(OPT) $(SANFLAGS) $(HOST_FLAGS) -o $@ $< fuzz/replay_main.c $(LIBSP) $(HOST_LIBS)

# Corpus generators (fuzz/gen/): built by `make test` so they cannot rot; run by hand to
# regenerate the seed corpora (see each file's header).
GEN_BIN := $(BUILD)/fuzz/gen_state $(BUILD)/fuzz/gen_corpus $(BUILD)/fuzz/gen_publication \
           $(BUILD)/fuzz/gen_update $(BUILD)/fuzz/gen_roughtime
$(BUILD)/fuzz/gen_state: fuzz/gen/gen_state.c fuzz/targets/fuzz_state.c $(SUPPORT_OBJ) $(LIBSP) $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) -Itests $(WARN) $(OPT) $(SANFLAGS) $(HOST_FLAGS) -o $@ $< $(SUPPORT_OBJ) $(LIBSP) $(HOST_LIBS)
$(BUILD)/fuzz/gen_corpus $(BUILD)/fuzz/gen_publication $(BUILD)/fuzz/gen_update \
$(BUILD)/fuzz/gen_roughtime: $(BUILD)/fuzz/gen_%: fuzz/gen/gen_%.c $(SUPPORT_OBJ) $(LIBSP) $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) -Itests $(WARN) $(OPT) $(SANFLAGS) $(HOST_FLAGS) -o $@ $< $(SUPPORT_OBJ) $(LIBSP) $(HOST_LIBS)

# fund benchmarks (bench/fund*.c) link the fund wing only.
# The fund command as it was (bench/baseline/*.c under their own names), for bench/fund's
# whole-process timings of `fund pairwise|cocm FILE`.
BASELINE_CMD_OBJ := $(patsubst %.c,$(BUILD)/%.keep.o,$(sort $(wildcard bench/baseline/*.c)))
$(BUILD)/bench/baseline/%.keep.o: bench/baseline/%.c $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) $(WARN) $(OPT) $(HOST_FLAGS) -DBASELINE_KEEP_NAMES -c $< -o $@
$(BUILD)/bench/fund-baseline: $(FUND_CMD_OBJ) $(BASELINE_CMD_OBJ) $(LIBFUND)
	$(CC) -o $@ $(FUND_CMD_OBJ) $(BASELINE_CMD_OBJ) $(LIBFUND) $(FUND_LIBS)
$(FUND_BENCH_BIN): $(BUILD)/bench/fund-baseline $(FUNDCMD)

$(FUND_BENCH_BIN): $(BUILD)/bench/%: bench/%.c $(LIBFUND) $(BASELINE_OBJ) $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) -Ibench $(WARN) -O2 $(HOST_FLAGS) -o $@ $< $(BASELINE_OBJ) $(LIBFUND) $(FUND_LIBS)

$(BUILD)/bench/%: bench/%.c $(SUPPORT_OBJ) $(LIBSP) $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) -Itests $(WARN) -O2 $(HOST_FLAGS) -o $@ $< $(SUPPORT_OBJ) $(LIBSP) $(HOST_LIBS)

test: all $(TEST_BIN) $(TEST_TOOL_BIN) $(FUND_TEST_BIN) $(REPLAY_BIN) $(GEN_BIN) $(BUILD)/tools/gen_errors_doc
	@BUILD=$(BUILD) sh tools/run-tests.sh

$(BUILD)/tools/gen_errors_doc: tools/gen_errors_doc.c $(LIBVERIFY) $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) $(WARN) $(OPT) -o $@ $< $(LIBVERIFY)

docs: $(BUILD)/tools/gen_errors_doc
	$(BUILD)/tools/gen_errors_doc > docs/errors.md

# Manual pages: roff generated from docs/NAME.1.md with go-md2man (tools/man.sh) and
# committed, so building and installing need no converter; tests/cli/test_man_pages.sh
# checks they are current.
MAN_PAGES := docs/softpause.1 docs/fund.1
man:
	for p in $(MAN_PAGES); do sh tools/man.sh $$p.md > $$p.tmp && mv $$p.tmp $$p || exit 1; done

check-freestanding: $(LIBVERIFY)
	sh tools/check-freestanding.sh $(BUILD)

fuzz:
	$(MAKE) -f fuzz/Makefile BUILD=build-fuzz

bench: $(BENCH_BIN) $(FUND_BENCH_BIN)
	@for b in $(BENCH_BIN) $(FUND_BENCH_BIN); do $$b; done

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include/softpause \
	           $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 $(CMD) $(DESTDIR)$(PREFIX)/bin/softpause
	install -m 0644 $(MAN_PAGES) $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 $(LIBSP) $(LIBVERIFY) $(DESTDIR)$(PREFIX)/lib/
	install -m 0644 include/softpause/*.h $(DESTDIR)$(PREFIX)/include/softpause/
	if [ -d include/softpause/host ]; then install -d $(DESTDIR)$(PREFIX)/include/softpause/host && \
	   install -m 0644 include/softpause/host/*.h $(DESTDIR)$(PREFIX)/include/softpause/host/; fi
	if [ -d include/softpause/server ]; then install -d $(DESTDIR)$(PREFIX)/include/softpause/server && \
	   install -m 0644 include/softpause/server/*.h $(DESTDIR)$(PREFIX)/include/softpause/server/; fi
	if [ -n "$(FUNDCMD)" ]; then install -m 0755 $(FUNDCMD) $(DESTDIR)$(PREFIX)/bin/fund && \
	   install -m 0644 $(LIBFUND) $(DESTDIR)$(PREFIX)/lib/ && \
	   install -d $(DESTDIR)$(PREFIX)/include/fund $(DESTDIR)$(PREFIX)/include/dacc && \
	   install -m 0644 include/fund/*.h $(DESTDIR)$(PREFIX)/include/fund/ && \
	   install -m 0644 include/dacc/*.h $(DESTDIR)$(PREFIX)/include/dacc/; fi
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' softpause.pc.in \
	    > $(DESTDIR)$(PREFIX)/lib/pkgconfig/softpause.pc

format:
	clang-format -i $(VERIFIER_SRC) $(HOST_SRC) $(CMD_SRC) include/softpause/*.h

clean:
	rm -rf build build-san build-clang build-fuzz build-stack build-ci
