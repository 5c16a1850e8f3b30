/* Preloaded by scripts/sanitize: dlclose() does nothing, so the components OpenMPI loads with
 * dlopen() stay mapped until the process ends. LeakSanitizer symbolizes leak reports at exit,
 * after MPI_Finalize has closed them; without this, their allocations show as
 * "<unknown module>" and no suppression (scripts/lsan.supp) can name them. */
#include <dlfcn.h>

int dlclose(void* handle) {
  (void)handle;
  return 0;
}
