#include "resolver/resolver.h"

const char *res_version(void)
{
	return "none";
}
