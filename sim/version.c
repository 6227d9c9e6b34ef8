/* version.c: `payback --version` (help.h): what a bug report needs to
 * reproduce a run — the version, how this binary was built (buildinfo.h,
 * written by the Makefile at each build) and the libraries it runs on, as
 * linked (the versions the running libraries report, which can differ from
 * the headers it was compiled against). */
#include "help.h"

#include <gmp.h>
#include <gsl/gsl_version.h>
#include <hdf5.h>
#include <yaml.h>

#include "buildinfo.h"
#include "payback/output.h"
#include "payback/par.h"

void pb_version_print(FILE *f)
{
    unsigned maj = 0, min = 0, rel = 0;
    H5get_libversion(&maj, &min, &rel);
#ifdef H5_HAVE_PARALLEL
    const char *h5kind = "parallel";
#else
    const char *h5kind = "serial";
#endif
    const char *mpi = pb_par_library();
    fprintf(f, "payback %s\n", PB_VERSION);
    fprintf(f, "commit:   %s\n", PB_BUILD_COMMIT);
    fprintf(f, "compiler: %s\n", PB_BUILD_CC);
    fprintf(f, "flags:    %s\n", PB_BUILD_FLAGS);
    fprintf(f, "OpenMP:   %d\n", _OPENMP);
    fprintf(f, "MPI:      %s\n", mpi ? mpi : "no (serial build; make mpi builds payback-mpi)");
    fprintf(f, "HDF5:     %u.%u.%u (%s)\n", maj, min, rel, h5kind);
    fprintf(f, "GSL:      %s\n", gsl_version);
    fprintf(f, "libyaml:  %s\n", yaml_get_version_string());
    fprintf(f, "GMP:      %s\n", gmp_version);
    /* Last, as bench/run.sh reads it: the string every result file keeps
     * in its root attribute `build`. */
    fprintf(f, "build:    %s\n", PB_BUILD);
}
