/** What readCaptureFile delivered to the sink. */
export interface CaptureFileStats {
  /** Packets delivered to the sink. */
  packets: number;
  /** Sum of their captured lengths (bytes present in the file, not wire lengths). */
  capturedBytes: number;
  /** Format detected from the file's magic number. */
  format: 'pcap' | 'pcapng';
}
