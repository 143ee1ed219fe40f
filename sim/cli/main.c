/* main.c - the lparsim command line (placeholder until the commands land). */
#include <stdio.h>
int main(void)
{
    puts("lparsim " LPARSIM_VERSION);
    return 0;
}
