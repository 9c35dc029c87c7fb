package io.nexo.p2p.files;

/**
 * How a {@link DownloadSession} talks to peers: the network layer implements it by sending
 * request and cancel messages. Calls are made outside the session's lock and must not block.
 *
 * @param <P> how the caller names a peer
 */
public interface ChunkRequester<P> {

    /** Asks {@code peer} for chunk {@code chunk} of {@code file}. */
    void request(P peer, FileId file, int chunk);

    /** Withdraws an earlier request (another peer delivered first, or the peer was dropped). */
    void cancel(P peer, FileId file, int chunk);
}
