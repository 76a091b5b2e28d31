/* Writing a large output file past the page cache (O_DIRECT), on a thread of its own. results.xml
 * is several times the corpus: written through the page cache, copying it there was a third of a
 * run's CPU on the benchmark VM (fresh page-cache memory costs the most to touch), and the data
 * then still had to reach the disk at the fsync. Direct writes hand aligned buffers to the disk
 * while the caller renders the next ones. */
#ifndef QC_DIRECT_OUT_H
#define QC_DIRECT_OUT_H

#include <stddef.h>

typedef struct qc_direct_out qc_direct_out;

/* Starts direct writing of fd, a regular file open for writing at offset 0 with nothing written.
 * NULL when it cannot (QCODE_DIRECT_OUTPUT=0, a file system without O_DIRECT, out of memory): the
 * caller writes as before. */
qc_direct_out *qc_direct_out_open(int fd);
/* Appends bytes. 0, or the errno of the first failure (then and after). */
int qc_direct_out_write(qc_direct_out *d, const void *data, size_t len);
/* Where the caller may render bytes in place, saving qc_direct_out_write's copy: the free end of
 * the buffer being filled, *room bytes (at least one). Valid until the next call on d. */
void *qc_direct_out_room(qc_direct_out *d, size_t *room);
/* Appends the first len bytes (at most the room) rendered at qc_direct_out_room's address. 0, or
 * the errno of the first failure. */
int qc_direct_out_commit(qc_direct_out *d, size_t len);
/* Writes what is left (the last partial block without O_DIRECT), restores the file's flags and
 * frees. 0, or the errno of the first failure. The caller still fsyncs. */
int qc_direct_out_close(qc_direct_out *d);

#endif
