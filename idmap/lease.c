/* `auto` id ranges: annotation cell.idmap.size asks for a range leased
 * at create. */
#include "idmap.h"

#include <stdlib.h>
#include <string.h>

uint32_t idmap_auto_size(const struct oci_config *cfg)
{
	for (size_t i = 0; i < cfg->n_annotations; i++) {
		if (strcmp(cfg->annotations[i].key, IDMAP_AUTO_KEY) == 0) {
			unsigned long long v = strtoull(cfg->annotations[i].value, NULL, 10);

			return v > 0 && v <= UINT32_MAX ? (uint32_t)v : 1;
		}
	}
	return 0;
}
