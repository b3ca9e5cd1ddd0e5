/*
 * dhcp/ — DHCPv4: packet codec, options, lease allocation, lease records.
 * Knows nothing about DNS.  Sans-IO.
 *
 * Not implemented yet (a later issue).
 */
#ifndef DV_DHCP_H
#define DV_DHCP_H

const char *dhcp_version(void);

#endif
