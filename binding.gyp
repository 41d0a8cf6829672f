{
  "targets": [
    {
      "target_name": "packet_stats",
      "sources": ["src/native/packet_stats.c"],
      "cflags": ["-O2", "-Wall"]
    },
    {
      "target_name": "bpf_filter",
      "sources": ["src/native/bpf_filter.c"],
      "cflags": ["-O2", "-Wall"],
      "libraries": ["-lpcap"]
    }
  ]
}
