/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "qr.h"

#include <stdlib.h>
#include <string.h>

#ifdef HAVE_QRENCODE
#include <qrencode.h>

#define QUIET 4 /* modules of quiet zone, as the QR standard asks */

/* Dark modules are drawn as the terminal's foreground; most terminals are light-on-dark, so
 * the code is drawn inverted (light modules as blocks), which phone scanners accept. */
static const char *cell(int top_dark, int bottom_dark)
{
	int top = !top_dark, bottom = !bottom_dark;
	if (top && bottom)
		return "\xe2\x96\x88"; /* full block */
	if (top)
		return "\xe2\x96\x80"; /* upper half */
	if (bottom)
		return "\xe2\x96\x84"; /* lower half */
	return " ";
}

char *qr_render(const char *text)
{
	QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_L, QR_MODE_8, 1);
	char *out, *p;
	int w, rows, cols;
	size_t cap;

	if (q == NULL)
		return NULL;
	w = q->width;
	cols = w + 2 * QUIET;
	rows = (w + 2 * QUIET + 1) / 2;
	cap = (size_t)rows * ((size_t)cols * 3 + 1) + 1;
	out = malloc(cap);
	if (out == NULL) {
		QRcode_free(q);
		return NULL;
	}
	p = out;
	for (int r = 0; r < rows; r++) {
		for (int c = 0; c < cols; c++) {
			int y0 = 2 * r - QUIET, y1 = 2 * r + 1 - QUIET, x = c - QUIET;
			int d0 = x >= 0 && x < w && y0 >= 0 && y0 < w && (q->data[y0 * w + x] & 1);
			int d1 = x >= 0 && x < w && y1 >= 0 && y1 < w && (q->data[y1 * w + x] & 1);
			const char *s = cell(d0, d1);
			size_t n = strlen(s);
			memcpy(p, s, n);
			p += n;
		}
		if (r + 1 < rows)
			*p++ = '\n';
	}
	*p = '\0';
	QRcode_free(q);
	return out;
}
#else
char *qr_render(const char *text)
{
	(void)text;
	return NULL;
}
#endif
