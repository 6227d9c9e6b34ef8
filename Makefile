# payback: build, run, test.  `make run` and `make test` install the Debian
# packages they need (only those missing: checked with dpkg -s), then build.
#
# Switches (override on the command line):
#   OPT=-O2 -g        optimisation and debug flags
#   SANITIZE=address,undefined   a sanitizer build (in build-san/)
#   CFLAGS=...        appended to the compiler flags
#   MPI=1             the same program against Open MPI and parallel HDF5, in
#                     build-mpi/ (copied to ./payback-mpi)
#   FUZZ_SECONDS=60   how long `make fuzz` runs each fuzz target (fuzz/README.md)
MPI ?= 0
OPT ?= -O3 -g
BUILD ?= build$(if $(SANITIZE),-san)$(if $(filter 1,$(MPI)),-mpi)
SAN := $(if $(SANITIZE),-fsanitize=$(SANITIZE) -fno-sanitize-recover=all -fno-omit-frame-pointer)
H5 := $(if $(filter 1,$(MPI)),hdf5-openmpi,hdf5-serial)
PKGS := $(H5) gsl yaml-0.1
ifeq ($(MPI),1)
CC := mpicc
endif
PB_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Wpedantic -Werror=switch -fopenmp $(SAN) -Iinclude -I$(BUILD) \
  $(if $(filter 1,$(MPI)),-DPB_USE_MPI) $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PB_LIBS = -fopenmp $(SAN) $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lhdf5_hl -lgmp -lz -lm
PYTHON := /usr/bin/python3

# Debian packages: to build, and in addition to test.
DEPS_BUILD := gcc make pkg-config libgsl-dev libhdf5-dev libyaml-dev librandom123-dev libgmp-dev zlib1g-dev
DEPS_MPI := libopenmpi-dev openmpi-bin libhdf5-openmpi-dev
# The fuzz targets (fuzz/): clang's libFuzzer, and its OpenMP for -fopenmp.
DEPS_FUZZ := clang libclang-rt-14-dev libomp-dev
# A private one-node Slurm cluster for tests/slurm.sh (started by hand: no systemd).
DEPS_SLURM := slurm-wlm munge
DEPS_TEST := $(DEPS_BUILD) $(DEPS_MPI) libcmocka-dev hdf5-tools valgrind python3-numpy python3-h5py python3-yaml \
  python3-xarray python3-netcdf4 python3-scipy netcdf-bin bc $(DEPS_FUZZ) $(DEPS_SLURM)

SRC := $(filter-out sim/main.c,$(wildcard sim/*.c))
OBJ := $(SRC:sim/%.c=$(BUILD)/%.o)
LIB := $(BUILD)/libpayback.a
TESTS := $(patsubst tests/%.c,$(BUILD)/%,$(wildcard tests/test_*.c))

.PHONY: all run test asan clean deps deps-test mpi bench bench-quick fuzz fuzz-build FORCE
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

$(BUILD)/write.o: $(BUILD)/buildinfo.h

# Compiler, flags and commit, in every result file (root attribute `build`).
$(BUILD)/buildinfo.h: FORCE | $(BUILD)
	@printf '#define PB_BUILD "%s | %s | %s"\n' "$$($(CC) --version | head -n1)" '$(OPT) $(SAN) $(CFLAGS)' \
	  "$$(git describe --always --dirty 2>/dev/null || echo unknown)" > $@.new
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
	$(MAKE) payback
	./payback run scenarios/baseline.yaml

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

clean:
	rm -rf build build-san build-mpi build-fuzz payback payback-mpi results/*.h5 results/*.part*

FORCE:
