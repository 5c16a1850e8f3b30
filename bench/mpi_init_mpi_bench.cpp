// Reference for (f): the cheapest MPI program, MPI_Init_thread + MPI_Finalize and nothing else.
// `mpirun -np 2 ttrt query` pays the same MPI start-up; /bin/true never initialises MPI.
#include <mpi.h>

int main(int argc, char** argv) {
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  MPI_Finalize();
  return 0;
}
