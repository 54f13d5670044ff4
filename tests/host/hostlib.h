/*
 * hostlib.h - lib/ as the host tests see it.
 *
 * The host build compiles lib/string.c with memcpy renamed to lib_memcpy (and
 * so on, see tools/make/host.mk), so that it does not clash with the C
 * library's. A test names the renamed functions to reach lib's own code;
 * plain memcpy in a test is the C library's.
 */
#ifndef HOSTLIB_H
#define HOSTLIB_H

#include <stddef.h>

#include "rtl.h"

void *lib_memcpy(void *Dest, const void *Src, size_t Count);
void *lib_memmove(void *Dest, const void *Src, size_t Count);
void *lib_memset(void *Dest, int Value, size_t Count);
int lib_memcmp(const void *A, const void *B, size_t Count);
size_t lib_strlen(const char *S);
size_t lib_strnlen(const char *S, size_t Max);
int lib_strcmp(const char *A, const char *B);
int lib_strncmp(const char *A, const char *B, size_t Count);
char *lib_strchr(const char *S, int C);

#endif /* HOSTLIB_H */
