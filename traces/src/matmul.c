/* matmul.c - source of traces/ppc64le-matmul.trc: a 48x48 double-precision
 * matrix multiply (C = A x B, row-major, i-k-j loop order so the inner loop
 * vectorises), checked against a closed form so a bad recording fails. */
#include <stdio.h>

#define N 48

static double a[N][N], b[N][N], c[N][N];

int main(void)
{
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            a[i][j] = i + 1;   /* a[i][k] = i+1 */
            b[i][j] = j;       /* b[k][j] = j */
        }
    for (int i = 0; i < N; i++)
        for (int k = 0; k < N; k++) {
            double x = a[i][k];
            for (int j = 0; j < N; j++)
                c[i][j] += x * b[k][j];
        }
    /* c[i][j] = N (i+1) j */
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            if (c[i][j] != (double)N * (i + 1) * j) {
                printf("matmul: wrong c[%d][%d]\n", i, j);
                return 1;
            }
    printf("matmul: ok\n");
    return 0;
}
