#include "dhcp/dhcp.h"

const char *dhcp_version(void)
{
	return "none";
}
