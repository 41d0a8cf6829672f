// bpf_filter: libpcap's filter compiler and BPF interpreter for capture files, so that
// `--read FILE --filter EXPR` selects exactly the packets `tcpdump -r FILE EXPR` does: the same
// pcap_compile on a savefile handle like tcpdump's (see OpenSavefileHandle), the same bpf_filter
// per packet (what pcap_offline_filter calls). `cap` compiles filters only for live captures.
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <node_api.h>

// A pcap_t for the compiler that is what tcpdump's is when it reads a file: libpcap's savefile
// reader over a 24-byte pcap header with the file's link type, snaplen and byte order. The
// compiler depends on all three: the reader maps LINKTYPE_* to DLT_* values, and for DLT_NULL a
// savefile is matched against every BSD AF_INET6 value and byte-swapped when the file's byte order
// is not the host's — a pcap_open_dead handle would do neither.
static void Put(uint8_t* at, uint32_t value, int bytes, int big_endian) {
  for (int i = 0; i < bytes; i++) at[i] = (uint8_t)(value >> (big_endian ? 8 * (bytes - 1 - i) : 8 * i));
}

static pcap_t* OpenSavefileHandle(int32_t linktype, int32_t snaplen, int big_endian, char* errbuf) {
  uint8_t header[24];
  Put(header, 0xa1b2c3d4u, 4, big_endian);  // magic: microseconds
  Put(header + 4, 2, 2, big_endian);        // version 2.4
  Put(header + 6, 4, 2, big_endian);
  Put(header + 8, 0, 4, big_endian);        // thiszone
  Put(header + 12, 0, 4, big_endian);       // sigfigs
  Put(header + 16, (uint32_t)snaplen, 4, big_endian);
  Put(header + 20, (uint32_t)linktype, 4, big_endian);
  FILE* f = fmemopen(header, sizeof(header), "rb");
  if (f == NULL) {
    snprintf(errbuf, PCAP_ERRBUF_SIZE, "fmemopen failed");
    return NULL;
  }
  pcap_t* p = pcap_fopen_offline(f, errbuf);  // pcap_close closes f; on failure it is ours
  if (p == NULL) fclose(f);
  return p;
}

static void FreeProgram(napi_env env, void* data, void* hint) {
  (void)env;
  (void)hint;
  struct bpf_program* prog = data;
  pcap_freecode(prog);
  free(prog);
}

static napi_value Str(napi_env env, const char* s) {
  napi_value v;
  napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v);
  return v;
}

// compile(linkType, snaplen, bigEndian, expression): an external holding the compiled program,
// or libpcap's error message as a string.
static napi_value Compile(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  int32_t linktype = 0, snaplen = 0;
  bool big_endian = false;
  size_t len = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 4 ||
      napi_get_value_int32(env, argv[0], &linktype) != napi_ok ||
      napi_get_value_int32(env, argv[1], &snaplen) != napi_ok ||
      napi_get_value_bool(env, argv[2], &big_endian) != napi_ok ||
      napi_get_value_string_utf8(env, argv[3], NULL, 0, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "compile(linkType, snaplen, bigEndian, expression): bad arguments");
    return NULL;
  }
  char* expr = malloc(len + 1);
  if (expr == NULL) return Str(env, "out of memory");
  napi_get_value_string_utf8(env, argv[3], expr, len + 1, &len);
  if (strlen(expr) != len) {
    free(expr);
    return Str(env, "expression contains a NUL character");
  }
  char errbuf[PCAP_ERRBUF_SIZE] = "";
  pcap_t* handle = OpenSavefileHandle(linktype, snaplen, big_endian, errbuf);
  if (handle == NULL) {
    free(expr);
    return Str(env, errbuf);
  }
  struct bpf_program* prog = calloc(1, sizeof(*prog));
  napi_value result;
  if (prog == NULL) {
    result = Str(env, "out of memory");
  } else if (pcap_compile(handle, prog, expr, 1, 0) != 0) {  // optimised, netmask 0: as tcpdump -r
    result = Str(env, pcap_geterr(handle));
    free(prog);
  } else if (napi_create_external(env, prog, FreeProgram, NULL, &result) != napi_ok) {
    pcap_freecode(prog);
    free(prog);
    result = Str(env, "cannot wrap the compiled filter");
  }
  pcap_close(handle);
  free(expr);
  return result;
}

// match(program, bytes, offset, capturedLength, wireLength): whether the filter accepts the
// packet bytes[offset .. offset + capturedLength). Allocates nothing; bad arguments → false.
static napi_value Match(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_value result;
  void* prog = NULL;
  void* data = NULL;
  size_t length = 0;
  napi_typedarray_type type;
  napi_value arraybuffer;
  size_t byte_offset = 0;
  uint32_t offset = 0, caplen = 0, wirelen = 0;
  int accepted = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) == napi_ok && argc >= 5 &&
      napi_get_value_external(env, argv[0], &prog) == napi_ok &&
      napi_get_typedarray_info(env, argv[1], &type, &length, &data, &arraybuffer, &byte_offset) == napi_ok &&
      type == napi_uint8_array &&
      napi_get_value_uint32(env, argv[2], &offset) == napi_ok &&
      napi_get_value_uint32(env, argv[3], &caplen) == napi_ok &&
      napi_get_value_uint32(env, argv[4], &wirelen) == napi_ok &&
      offset <= length && caplen <= length - offset) {
    const struct bpf_program* p = prog;
    accepted = bpf_filter(p->bf_insns, (const u_char*)data + offset, wirelen, caplen) != 0;
  }
  napi_get_boolean(env, accepted, &result);
  return result;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "compile", NAPI_AUTO_LENGTH, Compile, NULL, &fn);
  napi_set_named_property(env, exports, "compile", fn);
  napi_create_function(env, "match", NAPI_AUTO_LENGTH, Match, NULL, &fn);
  napi_set_named_property(env, exports, "match", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
