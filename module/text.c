/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "text.h"

#include <string.h>

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	size_t need;
	unsigned cp;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		need = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		need = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		need = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < need)
		return 0;
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((need == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (need == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	/* C1 controls (U+0080..U+009F) are as dangerous to a terminal as C0 ones */
	if (need == 2 && cp < 0xa0)
		return (size_t)-1;
	return need;
}

bool text_is_utf8(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	while (i < len) {
		size_t n = utf8_seq(u + i, len - i);
		if (n == 0)
			return false;
		i += n == (size_t)-1 ? 2 : n;
	}
	return true;
}

size_t text_sanitize(char *dst, size_t cap, const char *src, size_t len)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t out = 0, i = 0;
	const size_t ellipsis = 3;
	bool cut = false;

	if (cap == 0)
		return 0;
	while (i < len) {
		size_t n = utf8_seq(s + i, len - i);
		const char *piece = (const char *)s + i;
		size_t plen = n;
		if (n == (size_t)-1) { /* C1 control: drop */
			i += 2;
			continue;
		}
		if (n == 0) {
			piece = "?";
			plen = 1;
			n = 1;
		} else if (n == 1 && (s[i] < 0x20 || s[i] == 0x7f)) {
			i++;
			continue;
		}
		if (out + plen + ellipsis >= cap && i + n < len) {
			cut = true;
			break;
		}
		if (out + plen >= cap) {
			cut = true;
			break;
		}
		memcpy(dst + out, piece, plen);
		out += plen;
		i += n;
	}
	if (cut && out + ellipsis < cap) {
		memcpy(dst + out, "...", ellipsis);
		out += ellipsis;
	}
	dst[out] = '\0';
	return out;
}
