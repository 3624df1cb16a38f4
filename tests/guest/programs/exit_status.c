// Exits with the status given as argv[1] (default 42) through return from main.
#include <stdlib.h>

int main(int argc, char** argv) { return argc > 1 ? atoi(argv[1]) : 42; }
