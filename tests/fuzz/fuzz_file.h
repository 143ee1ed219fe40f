/*
 * fuzz_file.h - shared by the libFuzzer targets: the parsers read files,
 * so each input is written to a per-process temporary file first.
 */
#ifndef LPARSIM_FUZZ_FILE_H
#define LPARSIM_FUZZ_FILE_H

#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

/* Write data to /tmp/lparsim-fuzz-<tag>-<pid>.yaml; the path into path
 * (64 bytes). 0, or -1 if the file cannot be written. */
static inline int fuzz_write_input(const uint8_t *data, size_t size, const char *tag, char *path)
{
    snprintf(path, 64, "/tmp/lparsim-fuzz-%s-%d.yaml", tag, (int)getpid());
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t n = fwrite(data, 1, size, f);
    return fclose(f) == 0 && n == size ? 0 : -1;
}

#endif
