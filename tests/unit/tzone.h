/* Unit-test helper for tests that need a zone: load zone text with
 * zone_load_text; on error print the reason and return NULL. */
#ifndef DV_TZONE_H
#define DV_TZONE_H
#include <stdio.h>
#include <string.h>

#include "zones/zones.h"

static inline zone *t_zone_text(const char *origin, const char *text)
{
	char err[256];
	zone *z = zone_load_text(origin, "t", text, strlen(text), NULL, NULL,
				 err, sizeof(err));

	if (!z)
		printf("  load: %s\n", err);
	return z;
}
#endif
