/*
 * dnsvizor/dohconn.h — DoH connections (dohconn.c): the operations net.c
 * calls, through ctx->doh_ops, for stream connections of kind
 * DV_CONN_DOH.  process: read what arrived, write what is due (-1 if the
 * connection was closed and freed); reply: the DNS answer for request
 * tag (msg NULL: none, HTTP 400); free: drop the HTTP session of a
 * closing connection.
 */
#ifndef DV_DOHCONN_H
#define DV_DOHCONN_H

#include "dnsvizor/ctx.h"

extern const dv_conn_ops dv_doh_ops;

#endif
