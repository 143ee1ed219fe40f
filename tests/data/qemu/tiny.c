/* tiny.c - the program tests/integration/check_record.c records: a small
 * loop over an array (loads, stores, integer ops, a multiply, branches)
 * that checks its own result, so a miscompiled or misrun program fails. */
#include <stdio.h>

static long a[256];

int main(void)
{
    long s = 0;
    for (int i = 0; i < 256; i++)
        a[i] = (long)i * 3;
    for (int r = 0; r < 8; r++)
        for (int i = 0; i < 256; i++)
            s += a[i] ^ r;
    printf("tiny: %ld\n", s);
    return s == 783360 ? 0 : 1;
}
