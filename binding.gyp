{
  "targets": [
    {
      "target_name": "packet_stats",
      "sources": ["src/native/packet_stats.c"],
      "cflags": ["-O2", "-Wall"]
    }
  ]
}
