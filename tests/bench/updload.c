/*
 * updload — dynamic-update load generator for tests/bench/bench_maint.sh.
 *
 * Keeps CLIENTS UDP clients busy for SECONDS: each sends one TSIG-signed
 * RFC 2136 UPDATE (add a TXT record at a name of its own, so every update
 * is a real change), waits for the answer, checks it (same ID, QR, opcode
 * UPDATE, NOERROR, and the response's TSIG verifies against the request's
 * MAC), and sends the next one.  An update not answered within 2 s is
 * counted as a timeout and replaced by a new one.  Prints one line:
 *
 *   acked N sent N timeouts N refused N badsig N other N seconds S rate R
 *
 * rate = updates acknowledged with NOERROR per second of the run.
 *
 * usage: updload ADDR PORT ZONE KEYNAME SECRET_B64 CLIENTS SECONDS TAG
 *        [a EXPECT_FILE]
 * (key algorithm hmac-sha256; KEYNAME "-": unsigned updates, for servers
 * that allow updates by address; TAG makes the owner names unique per run).
 *
 * Mode "a" (tests/bench/bench_sign.sh): each update adds or removes one A
 * record instead: a client's updates alternate between adding
 * cI-K.TAG.ZONE A 10.255.x.y and deleting that RR again (K counts the
 * pairs).  At the end, EXPECT_FILE gets one line per client, "NAME ADDR"
 * when the client's last acknowledged update added that RR (it must be
 * in the zone), "- -" otherwise; a line "uncertain N" counts the clients
 * whose last update was not answered (its effect is unknown).
 * Built by bench_maint.sh and bench_sign.sh with cc and pkg-config ldns.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <ldns/ldns.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { MAXCLIENTS = 1024, RETRY_MS = 2000 };

struct client {
	int fd;
	int busy;
	uint16_t id;
	double sent_at;
	ldns_rdf *mac;     /* request MAC, to verify the response's TSIG */
	unsigned long seq;
	int last_add;      /* mode a: the last acked update added an RR */
	int pending_add;   /* mode a: the update in flight adds */
	char last[600];    /* mode a: "NAME ADDR" of the last acked add */
	char cur[600];     /* mode a: "NAME ADDR" of the update in flight */
	int unanswered;    /* mode a: the last update timed out */
};

static struct {
	const char *zone, *keyname, *secret, *tag;
	int unsigned_;      /* KEYNAME "-": unsigned updates */
	int mode_a;         /* add/remove one A record per update */
	unsigned long acked, sent, timeouts, refused, badsig, other;
} g;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Build, sign and send the next update of client i (index ci). */
static int send_update(struct client *c, int ci)
{
	char owner[512], rrtext[700];
	ldns_pkt *p = ldns_pkt_new();
	ldns_rr *q = NULL, *rr = NULL;
	uint8_t *wire = NULL;
	size_t len = 0;
	int rc = -1;

	if (p == NULL)
		return -1;
	snprintf(owner, sizeof owner, "c%d-%lu.%s.%s", ci, c->seq, g.tag, g.zone);
	c->id = (uint16_t)(random() & 0xffff);
	ldns_pkt_set_id(p, c->id);
	ldns_pkt_set_opcode(p, LDNS_PACKET_UPDATE);
	snprintf(rrtext, sizeof rrtext, "%s IN SOA", g.zone);
	if (ldns_rr_new_question_frm_str(&q, rrtext, NULL, NULL) !=
	    LDNS_STATUS_OK)
		goto out;
	ldns_pkt_push_rr(p, LDNS_SECTION_QUESTION, q);
	if (g.mode_a) {
		unsigned long k = c->seq / 2;
		int add = (c->seq % 2) == 0;
		char addr[32];

		snprintf(owner, sizeof owner, "c%d-%lu.%s.%s", ci, k, g.tag,
			 g.zone);
		snprintf(addr, sizeof addr, "10.255.%lu.%lu", (k >> 8) & 255,
			 k & 255);
		/* RFC 2136 2.5.1 add (class IN) / 2.5.4 delete an RR (NONE) */
		snprintf(rrtext, sizeof rrtext, "%s %d %s A %s", owner,
			 add ? 60 : 0, add ? "IN" : "NONE", addr);
		snprintf(c->cur, sizeof c->cur, "%s %s", owner, addr);
		c->pending_add = add;
	} else {
		snprintf(rrtext, sizeof rrtext, "%s 60 IN TXT \"updload %d %lu\"",
			 owner, ci, c->seq);
	}
	c->seq++;
	if (ldns_rr_new_frm_str(&rr, rrtext, 0, NULL, NULL) != LDNS_STATUS_OK)
		goto out;
	ldns_pkt_push_rr(p, LDNS_SECTION_AUTHORITY, rr);  /* update section */
	if (!g.unsigned_) {
		if (ldns_pkt_tsig_sign(p, g.keyname, g.secret, 300,
				       "hmac-sha256.", NULL) != LDNS_STATUS_OK)
			goto out;
		if (c->mac)
			ldns_rdf_deep_free(c->mac);
		c->mac = ldns_rdf_clone(ldns_rr_rdf(ldns_pkt_tsig(p), 3));
	}
	if (ldns_pkt2wire(&wire, p, &len) != LDNS_STATUS_OK)
		goto out;
	if (send(c->fd, wire, len, 0) != (ssize_t)len)
		goto out;
	c->busy = 1;
	c->sent_at = now_s();
	g.sent++;
	rc = 0;
out:
	free(wire);
	ldns_pkt_free(p);
	return rc;
}

static void on_reply(struct client *c, const uint8_t *buf, size_t n)
{
	ldns_pkt *r = NULL;

	if (n < 12 || ((buf[0] << 8) | buf[1]) != c->id)
		return;                         /* stray or late reply */
	if (!(buf[2] & 0x80) || ((buf[2] >> 3) & 0xf) != LDNS_PACKET_UPDATE) {
		g.other++;
		c->busy = 0;
		return;
	}
	c->busy = 0;
	switch (buf[3] & 0xf) {
	case 0:
		break;
	case 5:
		g.refused++;
		return;
	case 9:
		g.badsig++;     /* NOTAUTH: TSIG rejected */
		return;
	default:
		g.other++;
		return;
	}
	if (!g.unsigned_ &&
	    (ldns_wire2pkt(&r, buf, n) != LDNS_STATUS_OK ||
	     !ldns_pkt_tsig_verify(r, buf, n, g.keyname, g.secret, c->mac))) {
		g.badsig++;
		ldns_pkt_free(r);
		return;
	}
	ldns_pkt_free(r);
	g.acked++;
	c->unanswered = 0;
	c->last_add = c->pending_add;
	if (c->pending_add)
		memcpy(c->last, c->cur, sizeof c->last);
}

int main(int argc, char **argv)
{
	static struct client cl[MAXCLIENTS];
	static struct pollfd pfd[MAXCLIENTS];
	struct sockaddr_in sa;
	int nc, secs, i;
	double t0, end;

	if (argc != 9 && !(argc == 11 && strcmp(argv[9], "a") == 0)) {
		fprintf(stderr, "usage: updload ADDR PORT ZONE KEYNAME SECRET_B64 "
			"CLIENTS SECONDS TAG [a EXPECT_FILE]\n");
		return 2;
	}
	g.mode_a = argc == 11;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)atoi(argv[2]));
	if (inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1) {
		fprintf(stderr, "updload: bad address %s\n", argv[1]);
		return 2;
	}
	g.zone = argv[3];
	g.keyname = argv[4];
	g.secret = argv[5];
	g.unsigned_ = strcmp(g.keyname, "-") == 0;
	nc = atoi(argv[6]);
	secs = atoi(argv[7]);
	g.tag = argv[8];
	if (nc < 1 || nc > MAXCLIENTS || secs < 1) {
		fprintf(stderr, "updload: bad CLIENTS or SECONDS\n");
		return 2;
	}
	srandom((unsigned)getpid() ^ (unsigned)time(NULL));
	for (i = 0; i < nc; i++) {
		cl[i].fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		if (cl[i].fd < 0 ||
		    connect(cl[i].fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
			perror("updload: socket");
			return 1;
		}
		pfd[i].fd = cl[i].fd;
		pfd[i].events = POLLIN;
	}
	t0 = now_s();
	end = t0 + secs;
	for (i = 0; i < nc; i++)
		if (send_update(&cl[i], i) < 0) {
			fprintf(stderr, "updload: cannot build or send an update\n");
			return 1;
		}
	while (now_s() < end) {
		int rem_ms = (int)((end - now_s()) * 1000) + 1;
		int n = poll(pfd, (nfds_t)nc, rem_ms < 100 ? rem_ms : 100);
		double t;

		if (n < 0 && errno != EINTR) {
			perror("updload: poll");
			return 1;
		}
		t = now_s();
		if (t >= end)
			break;
		for (i = 0; i < nc; i++) {
			uint8_t buf[65536];
			ssize_t r;

			if (pfd[i].revents & POLLIN) {
				while ((r = recv(cl[i].fd, buf, sizeof buf, 0)) > 0)
					on_reply(&cl[i], buf, (size_t)r);
			}
			if (cl[i].busy && t - cl[i].sent_at > RETRY_MS / 1000.0) {
				g.timeouts++;
				cl[i].unanswered = 1;
				cl[i].busy = 0;
			}
			if (!cl[i].busy && send_update(&cl[i], i) < 0) {
				g.other++;      /* retry after RETRY_MS */
				cl[i].busy = 1;
				cl[i].sent_at = t;
			}
		}
	}
	t0 = now_s() - t0;
	if (g.mode_a) {
		/* drain: the answers to updates still in flight settle the
		 * expected state (not counted in the rate) */
		unsigned long acked = g.acked, bad = g.badsig, oth = g.other;
		double stop = now_s() + RETRY_MS / 1000.0;

		while (now_s() < stop) {
			int busy = 0;
			for (i = 0; i < nc; i++)
				busy |= cl[i].busy;
			if (!busy || poll(pfd, (nfds_t)nc, 100) < 0)
				break;
			for (i = 0; i < nc; i++) {
				uint8_t buf[65536];
				ssize_t r;
				if (!(pfd[i].revents & POLLIN))
					continue;
				while ((r = recv(cl[i].fd, buf, sizeof buf,
						 0)) > 0)
					on_reply(&cl[i], buf, (size_t)r);
			}
		}
		g.acked = acked;
		g.badsig = bad;
		g.other = oth;
	}
	printf("acked %lu sent %lu timeouts %lu refused %lu badsig %lu other %lu "
	       "seconds %.2f rate %.1f\n", g.acked, g.sent, g.timeouts,
	       g.refused, g.badsig, g.other, t0, (double)g.acked / t0);
	if (g.mode_a) {
		FILE *f = fopen(argv[10], "w");
		int unc = 0;

		if (!f) {
			perror("updload: expect file");
			return 1;
		}
		for (i = 0; i < nc; i++) {
			/* still in flight at the end: its effect is unknown */
			if (cl[i].busy || cl[i].unanswered)
				unc++;
			fprintf(f, "%s\n", cl[i].last_add ? cl[i].last : "- -");
		}
		fprintf(f, "uncertain %d\n", unc);
		fclose(f);
	}
	for (i = 0; i < nc; i++) {
		close(cl[i].fd);
		if (cl[i].mac)
			ldns_rdf_deep_free(cl[i].mac);
	}
	return 0;
}
