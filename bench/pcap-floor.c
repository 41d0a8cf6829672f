/*
 * The libpcap floor of the benchmark (bench/run.ts compiles it with gcc -O2 ... -lpcap): reads a
 * capture file with libpcap's own loop and does nothing per packet but count packets and
 * captured bytes. What any libpcap-based tool pays at least, before doing its own work.
 *
 *   pcap-floor FILE   ->   prints "<packets> <captured bytes> <seconds in the read loop>"
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <time.h>

struct counts {
	unsigned long long packets;
	unsigned long long bytes;
};

static void count(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct counts *c = (struct counts *)user;
	(void)bytes;
	c->packets++;
	c->bytes += h->caplen;
}

int main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	struct counts c = { 0, 0 };
	struct timespec t0, t1;
	pcap_t *p;
	int n;

	if (argc != 2) {
		fprintf(stderr, "usage: pcap-floor FILE\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	p = pcap_open_offline(argv[1], err);
	if (p == NULL) {
		fprintf(stderr, "pcap-floor: %s\n", err);
		return 1;
	}
	while ((n = pcap_dispatch(p, -1, count, (u_char *)&c)) > 0)
		;
	if (n == -1) {
		fprintf(stderr, "pcap-floor: %s: %s\n", argv[1], pcap_geterr(p));
		return 1;
	}
	pcap_close(p);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%llu %llu %.6f\n", c.packets, c.bytes,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
}
