# payback: build, run, test.  `make run` and `make test` install the Debian
# packages they need (only those missing: checked with dpkg -s), then build.
#
# Switches (override on the command line):
#   OPT=-O3 -g        optimisation and debug flags
#   SANITIZE=address,undefined   a sanitizer build (in build-san/)
#   CFLAGS=...        appended to the compiler flags
#   MPI=1             the same program against Open MPI and parallel HDF5, in
#                     build-mpi/ (copied to ./payback-mpi)
#   FUZZ_SECONDS=60   how long `make fuzz` runs each fuzz target (fuzz/README.md)
#   PREFIX=/usr/local DESTDIR=   where `make install` puts payback (and
#                     `make uninstall` takes it from)
MPI ?= 0
OPT ?= -O3 -g
BUILD ?= build$(if $(SANITIZE),-san)$(if $(filter 1,$(MPI)),-mpi)
SAN := $(if $(SANITIZE),-fsanitize=$(SANITIZE) -fno-sanitize-recover=all -fno-omit-frame-pointer)
H5 := $(if $(filter 1,$(MPI)),hdf5-openmpi,hdf5-serial)
PKGS := $(H5) gsl yaml-0.1
ifeq ($(MPI),1)
CC := mpicc
endif
PB_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Wpedantic -Werror=switch -ffp-contract=off -fopenmp $(SAN) -Iinclude -I$(BUILD) \
  $(if $(filter 1,$(MPI)),-DPB_USE_MPI) $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PB_LIBS = -fopenmp $(SAN) $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lhdf5_hl -lgmp -lz -lm
PYTHON := /usr/bin/python3

# Debian packages: to build, and in addition to test.
DEPS_BUILD := gcc make pkg-config libgsl-dev libhdf5-dev libyaml-dev librandom123-dev libgmp-dev zlib1g-dev
DEPS_MPI := libopenmpi-dev openmpi-bin libhdf5-openmpi-dev
# The fuzz targets (fuzz/): clang's libFuzzer, and its OpenMP for -fopenmp.
DEPS_FUZZ := clang libclang-rt-14-dev libomp-dev
# The clients tests/clients.sh opens result files with (examples/).
DEPS_CLIENTS := r-cran-ncdf4 r-cran-hdf5r octave octave-netcdf
# payback plot draws with gnuplot (cairo terminals, no X); tests read the pictures with PIL.
DEPS_PLOT := gnuplot-nox
# A private one-node Slurm cluster for tests/slurm.sh (started by hand: no systemd).
DEPS_SLURM := slurm-wlm munge
DEPS_TEST := $(DEPS_BUILD) $(DEPS_MPI) libcmocka-dev hdf5-tools valgrind python3-numpy python3-h5py python3-yaml \
  python3-xarray python3-netcdf4 python3-scipy netcdf-bin bc $(DEPS_FUZZ) $(DEPS_CLIENTS) $(DEPS_PLOT) python3-pil \
  groff-base man-db $(DEPS_SLURM)

SRC := $(filter-out sim/main.c,$(wildcard sim/*.c))
OBJ := $(SRC:sim/%.c=$(BUILD)/%.o)
LIB := $(BUILD)/libpayback.a
TESTS := $(patsubst tests/%.c,$(BUILD)/%,$(wildcard tests/test_*.c))

.PHONY: all run test asan clean deps deps-test mpi bench bench-quick fuzz fuzz-build install uninstall FORCE
.PHONY: test-slurm
ifeq ($(MPI),1)
all: payback-mpi
else
all: payback
endif

payback: $(BUILD)/payback
	cp $< $@

payback-mpi: $(BUILD)/payback
	cp $< $@

mpi:
	@./tests/deps.sh $(DEPS_BUILD) $(DEPS_MPI)
	$(MAKE) MPI=1 payback-mpi

$(BUILD):
	mkdir -p $@

$(BUILD)/%.o: sim/%.c Makefile | $(BUILD)
	$(CC) $(PB_CFLAGS) $(OPT) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/write.o $(BUILD)/version.o: $(BUILD)/buildinfo.h

# Compiler, flags and commit, in every result file (root attribute `build`)
# and, one by one, in `payback --version`.
$(BUILD)/buildinfo.h: FORCE | $(BUILD)
	@cc="$$($(CC) --version | head -n1)"; flags='$(OPT) $(SAN) $(CFLAGS)'; \
	  commit="$$(git describe --always --dirty 2>/dev/null || echo unknown)"; \
	  printf '#define PB_BUILD "%s | %s | %s"\n#define PB_BUILD_CC "%s"\n#define PB_BUILD_FLAGS "%s"\n#define PB_BUILD_COMMIT "%s"\n' \
	  "$$cc" "$$flags" "$$commit" "$$cc" "$$(echo $$flags)" "$$commit" > $@.new
	@cmp -s $@.new $@ && rm -f $@.new || mv -f $@.new $@

$(LIB): $(OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/payback: $(BUILD)/main.o $(LIB)
	$(CC) -o $@ $^ $(PB_LIBS) $(LDFLAGS)

$(BUILD)/test_%: tests/test_%.c tests/testutil.h $(LIB) Makefile
	$(CC) $(PB_CFLAGS) $(OPT) $(CFLAGS) -Itests -o $@ $< $(LIB) $(PB_LIBS) $(shell pkg-config --libs cmocka 2>/dev/null)

# A libFuzzer target: built with BUILD=build-fuzz (see fuzz-build).
$(BUILD)/fuzz_%: fuzz/fuzz_%.c $(LIB) Makefile
	$(CC) $(PB_CFLAGS) $(OPT) $(CFLAGS) -fsanitize=fuzzer -o $@ $< $(LIB) $(PB_LIBS)

$(BUILD)/floor: bench/floor.c $(LIB) Makefile
	$(CC) $(PB_CFLAGS) $(OPT) $(CFLAGS) -o $@ $< $(LIB) $(PB_LIBS)

-include $(wildcard $(BUILD)/*.d)

deps:
	@./tests/deps.sh $(DEPS_BUILD)

deps-test:
	@./tests/deps.sh $(DEPS_TEST)

run: deps
	@./tests/deps.sh $(DEPS_PLOT)
	$(MAKE) payback
	./payback run scenarios/baseline.yaml
	./payback plot results/baseline.h5

asan:
	$(MAKE) SANITIZE=address,undefined OPT="-O1 -g" $(BUILD:build%=build-san)/payback

# The whole suite: the normal build, the same suite under ASan+UBSan, the
# MPI build against the serial one, and runs under valgrind.  Ends with
# "N passed, N failed".
test: deps-test
	$(MAKE) payback $(TESTS)
	$(MAKE) SANITIZE=address,undefined OPT="-O1 -g" BUILD=build-san build-san/payback \
	  $(patsubst build/%,build-san/%,$(TESTS))
	$(MAKE) MPI=1 payback-mpi
	$(MAKE) fuzz-build
	@PYTHON=$(PYTHON) ./tests/all.sh

# examples/slurm/ under a private one-node Slurm cluster (tests/slurm.sh,
# about 30 s; root, since slurmd starts the jobs).
test-slurm:
	@./tests/deps.sh $(DEPS_BUILD) $(DEPS_MPI) hdf5-tools $(DEPS_SLURM)
	$(MAKE) payback
	$(MAKE) MPI=1 payback-mpi
	./tests/slurm.sh build/payback build-mpi/payback tests/out/slurm

# Benchmarks (bench/README.md): payback against NumPy and its floor, cost
# curves.  bench-quick takes under a minute and ends with the speed ratio.
bench: deps-test
	$(MAKE) payback build/floor
	./bench/run.sh

bench-quick: deps-test
	$(MAKE) payback build/floor
	QUICK=1 ./bench/run.sh

# Fuzz targets (fuzz/README.md): the library and three libFuzzer targets
# under ASan+UBSan, with clang, in build-fuzz/; `make fuzz` runs each for
# FUZZ_SECONDS, one after the other (one job each).
FUZZ_TARGETS := scenario state result
FUZZ_SECONDS ?= 60

fuzz-build:
	@./tests/deps.sh $(DEPS_BUILD) $(DEPS_FUZZ)
	$(MAKE) CC=clang SANITIZE=fuzzer-no-link,address,undefined OPT="-O1 -g" BUILD=build-fuzz \
	  $(FUZZ_TARGETS:%=build-fuzz/fuzz_%)

fuzz: fuzz-build
	@for t in $(FUZZ_TARGETS); do ./fuzz/run.sh build-fuzz $$t $(FUZZ_SECONDS) build-fuzz/out || st=1; done; exit $${st:-0}

# make install PREFIX=... [DESTDIR=...]: the program, its manual page, the
# bash completion, the scenarios and examples, the documentation.  `make
# uninstall` removes exactly those files (same PREFIX and DESTDIR), and the
# folders that are payback's own.
PREFIX ?= /usr/local
DESTDIR ?=
INSTALL ?= install
I_BIN := $(DESTDIR)$(PREFIX)/bin
I_MAN := $(DESTDIR)$(PREFIX)/share/man/man1
I_COMP := $(DESTDIR)$(PREFIX)/share/bash-completion/completions
I_DATA := $(DESTDIR)$(PREFIX)/share/payback
I_DOC := $(DESTDIR)$(PREFIX)/share/doc/payback
I_SCENARIOS := $(wildcard scenarios/*.yaml)
I_EXAMPLES := $(shell find examples -type f 2>/dev/null | LC_ALL=C sort)
I_DOCS := README.md $(wildcard docs/*.md)

install: payback
	$(INSTALL) -d $(I_BIN) $(I_MAN) $(I_COMP) $(I_DATA)/scenarios $(I_DOC)/docs
	$(INSTALL) -m 755 payback $(I_BIN)/payback
	$(INSTALL) -m 644 docs/payback.1 $(I_MAN)/payback.1
	$(INSTALL) -m 644 completion/payback.bash $(I_COMP)/payback
	$(INSTALL) -m 644 $(I_SCENARIOS) $(I_DATA)/scenarios
	@set -e; for f in $(I_EXAMPLES); do \
	  $(INSTALL) -d $(I_DATA)/$$(dirname $$f); \
	  mode=644; [ -x $$f ] && mode=755; \
	  echo "$(INSTALL) -m $$mode $$f $(I_DATA)/$$f"; $(INSTALL) -m $$mode $$f $(I_DATA)/$$f; done
	$(INSTALL) -m 644 README.md $(I_DOC)
	$(INSTALL) -m 644 $(wildcard docs/*.md) $(I_DOC)/docs

uninstall:
	rm -f $(I_BIN)/payback $(I_MAN)/payback.1 $(I_COMP)/payback \
	  $(I_SCENARIOS:%=$(I_DATA)/%) $(I_EXAMPLES:%=$(I_DATA)/%) $(I_DOCS:%=$(I_DOC)/%)
	@# payback's own folders, deepest first, if nothing else is in them
	-@find $(I_DATA) $(I_DOC) -depth -type d -empty -delete 2>/dev/null; true

clean:
	rm -rf build build-san build-mpi build-fuzz payback payback-mpi results/*.h5 results/*.part*

FORCE:
