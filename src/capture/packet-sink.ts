/**
 * Receives captured frames one at a time, from a live capture or a capture file.
 *
 * Ownership: `data` is a buffer the source reuses; bytes `data[offset .. offset+capturedLength)`
 * are valid only for the duration of the call. A sink must copy what it keeps and must not throw.
 */
export interface PacketSink {
  /**
   * @param data buffer holding the frame (reused by the source after the call returns)
   * @param offset start of the frame in `data`
   * @param capturedLength bytes of the frame present in `data` (≤ snaplen)
   * @param wireLength length of the frame on the wire (equal to capturedLength when unknown)
   * @param linkType LINKTYPE_* of the frame (see decode/link-type.ts)
   * @param interfaceIndex index from the InterfaceRegistry of the interface it was seen on
   */
  packet(
    data: Uint8Array,
    offset: number,
    capturedLength: number,
    wireLength: number,
    linkType: number,
    interfaceIndex: number,
  ): void;
}
