# The two newcomer commands (see README.md):
#   make demo   install what is missing, build, run the demonstration
#   make test   install what is missing, build, run the whole test suite
# Others: make build, make install (PREFIX, DESTDIR), make test-asan
#         (ASan+UBSan build of the suite), make test-stress [STRESS_RUNS=N]
#         [STRESS_ASAN=1] (the suite N times beside a CPU hog),
#         make bench, make bench-sync, make bench-query, make bench-junk,
#         make bench-scale, make sim [SEEDS=N NODES=K], make format-check,
#         make fuzz, make deb (the Debian package, into build/deb),
#         make test-deb (it installed, upgraded, removed and purged in a
#         throw-away root), make clean.

BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= 2
PREFIX ?= /usr/local
DESTDIR ?=

.PHONY: all deps build install test test-asan test-stress valgrind demo bench bench-sync bench-query bench-junk bench-scale sim format-check fuzz deb test-deb clean

all: build

deps:
	@./scripts/deps.sh

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(BUILD) -j $(JOBS)

# Binaries, man pages, the systemd unit and the example configuration
# into $(DESTDIR)$(PREFIX) (docs/OPERATIONS.md, "Installing").
install: build
	DESTDIR="$(DESTDIR)" cmake --install $(BUILD) --prefix "$(PREFIX)"

# The Debian package (debian/, dpkg-buildpackage) into build/deb, checked
# with lintian; docs/OPERATIONS.md, "The Debian package".
deb:
	@./scripts/deps.sh debhelper lintian fakeroot
	JOBS=$(JOBS) ./scripts/deb.sh $(BUILD)/deb

# The package installed with apt, its node made and run, upgraded over
# itself, removed and purged, in a throw-away root (an overlay of this
# machine's root: nothing changes outside it).
test-deb: deb
	./scripts/test-deb.sh $(BUILD)/deb

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DSD_SANITIZE=ON
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS)

# The whole suite STRESS_RUNS times in a row while stress-ng keeps every
# core busy; logs of failures under $(BUILD)/artifacts/ (issue 18).
# STRESS_ASAN=1: the sanitizer build instead.
STRESS_RUNS ?= 10
STRESS_ASAN ?=
test-stress: deps
	@./scripts/deps.sh stress-ng
ifeq ($(STRESS_ASAN),1)
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DSD_SANITIZE=ON
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	JOBS=$(JOBS) ./scripts/test-stress.sh $(ASAN_BUILD) $(STRESS_RUNS)
else
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(BUILD) -j $(JOBS)
	JOBS=$(JOBS) ./scripts/test-stress.sh $(BUILD) $(STRESS_RUNS)
endif

demo: build
	./scripts/demo.sh $(BUILD)

bench: build
	./bench/run.sh $(BUILD)

bench-sync: build
	./bench/sync.sh $(BUILD)

bench-query: build
	./bench/query.sh $(BUILD)

bench-junk: build
	./bench/junk.sh $(BUILD)

# K = 20, 40, 80 daemons on loopback (SD_SCALE_KS): idle traffic and CPU,
# convergence rate against the two-node full sync, duplicates, latency.
bench-scale: build
	./bench/scale.sh $(BUILD)

# The deterministic simulator of the sync code (tests/sim.c): SEEDS seeds
# of NODES nodes with faults; a failing seed prints its replay command.
SEEDS ?= 10
NODES ?= 100
sim: build
	$(BUILD)/tests/sdsim --nodes $(NODES) --seeds $(SEEDS)

# End-to-end runs with every daemon under valgrind (no error, no definite
# leak); slow, so not part of `make test`.
VALGRIND_TESTS ?= e2e_members e2e_federation e2e_search e2e_http e2e_web
valgrind: build
	@command -v valgrind >/dev/null || { echo "valgrind is needed" >&2; exit 1; }
	@for t in $(VALGRIND_TESTS); do \
		echo "== $$t under valgrind"; \
		SD_VALGRIND=1 SD_BIN=$(CURDIR)/$(BUILD) SD_SRC=$(CURDIR) \
		    bash tests/$$t.sh || exit 1; \
	done

# Every C file as clang-format (.clang-format) writes it, and the system
# headers only where their layer allows (scripts/check-layers.sh).
format-check:
	@command -v clang-format >/dev/null || { echo "clang-format is needed" >&2; exit 1; }
	@bad=0; for f in $$(git ls-files '*.c' '*.h'); do \
		clang-format "$$f" | cmp -s - "$$f" || { echo "format-check: $$f differs from clang-format" >&2; bad=1; }; \
	done; [ $$bad -eq 0 ] && echo "format-check: every C file as clang-format writes it"; \
	./scripts/check-layers.sh && [ $$bad -eq 0 ]

# libFuzzer targets under ASan/UBSan, FUZZ_SECONDS each (scripts/fuzz.sh).
FUZZ_SECONDS ?= 60
fuzz: deps
	./scripts/fuzz.sh $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-fuzz
