// packet_stats: the kernel's capture counters of a Linux packet socket, which the `cap`
// binding does not expose (it has no pcap_stats). getsockopt(PACKET_STATISTICS) returns the
// packets the socket's filter accepted and the packets the kernel dropped because the ring
// buffer was full, since the previous call (the kernel resets them on every read). libpcap's
// pcap_stats reads the same counters; cap never calls it, so otelacct owns them.
// Also pipeSize: a pipe's capacity (fcntl F_SETPIPE_SZ, which Node does not expose), so that
// `--read` of a pipe or FIFO takes up to that much per read instead of 64 KiB.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/if_packet.h>
#include <node_api.h>

// packetStats(fd: number): [packets, drops] since the previous call, or -errno on failure.
static napi_value PacketStats(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_value result;
  int32_t fd = -1;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_get_value_int32(env, argv[0], &fd) != napi_ok) {
    napi_throw_type_error(env, NULL, "packetStats(fd): fd must be an integer");
    return NULL;
  }
  struct tpacket_stats_v3 st;
  socklen_t len = sizeof(st);
  memset(&st, 0, sizeof(st));
  if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) != 0) {
    napi_create_int32(env, -errno, &result);
    return result;
  }
  napi_value packets, drops;
  napi_create_array_with_length(env, 2, &result);
  napi_create_uint32(env, st.tp_packets, &packets);
  napi_create_uint32(env, st.tp_drops, &drops);
  napi_set_element(env, result, 0, packets);
  napi_set_element(env, result, 1, drops);
  return result;
}

// pipeSize(fd: number, bytes: number): the pipe's capacity after asking for at least `bytes` (the
// kernel rounds up to a power-of-two number of pages; a pipe already as big is left as it is, never
// shrunk), or -errno (EPERM above /proc/sys/fs/pipe-max-size for an unprivileged process, EBADF
// for a descriptor that is not a pipe).
static napi_value PipeSize(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_value result;
  int32_t fd = -1;
  int32_t bytes = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2 ||
      napi_get_value_int32(env, argv[0], &fd) != napi_ok || napi_get_value_int32(env, argv[1], &bytes) != napi_ok) {
    napi_throw_type_error(env, NULL, "pipeSize(fd, bytes): fd and bytes must be integers");
    return NULL;
  }
  int r = fcntl(fd, F_GETPIPE_SZ);
  if (r >= 0 && r < bytes) r = fcntl(fd, F_SETPIPE_SZ, bytes);
  napi_create_int32(env, r < 0 ? -errno : r, &result);
  return result;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "packetStats", NAPI_AUTO_LENGTH, PacketStats, NULL, &fn);
  napi_set_named_property(env, exports, "packetStats", fn);
  napi_create_function(env, "pipeSize", NAPI_AUTO_LENGTH, PipeSize, NULL, &fn);
  napi_set_named_property(env, exports, "pipeSize", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
