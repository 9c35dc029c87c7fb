package io.nexo.p2p.files.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.nexo.p2p.files.FileId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Reassembly of chunks from blocks a peer sends: every block is untrusted. Whatever arrives, the
 * assembler must hand back exactly the bytes sent in order, refuse anything else, and release every
 * buffer it was given (checked on each block's reference count).
 */
class BlockAssemblerTest {

    private static final FileId ID = FileId.of(new byte[FileId.BYTES]);
    private static final FileId OTHER = FileId.of(filled(FileId.BYTES, 7));
    private static final int CHUNK = 100;

    private final BlockAssembler<String> assembler = new BlockAssembler<>(new UnpooledByteBufAllocator(false), 1);
    private final List<ByteBuf> given = new ArrayList<>();
    private final List<ByteBuf> returned = new ArrayList<>();

    @AfterEach
    void everyBufferIsReleased() {
        returned.forEach(ByteBuf::release);
        assembler.clear();
        assertThat(given).allSatisfy(b -> assertThat(b.refCnt()).as("a block was not released").isZero());
        assertThat(returned).allSatisfy(b -> assertThat(b.refCnt()).isZero());
    }

    private static byte[] filled(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (seed + i);
        }
        return b;
    }

    private ByteBuf block(byte[] content, int from, int to) {
        ByteBuf b = Unpooled.copiedBuffer(content, from, to - from);
        given.add(b);
        return b;
    }

    private Optional<ByteBuf> add(String peer, FileId id, int index, byte[] content, int from, int to) {
        Optional<ByteBuf> chunk = assembler.add(peer, id, index, from, block(content, from, to), content.length);
        chunk.ifPresent(returned::add);
        return chunk;
    }

    @Test
    void blocksInOrderGiveBackTheChunkOnTheLastOne() {
        byte[] content = filled(CHUNK, 1);
        assertThat(add("p", ID, 3, content, 0, 40)).isEmpty();
        assertThat(add("p", ID, 3, content, 40, 80)).isEmpty();
        assertThat(assembler.inTransit()).isEqualTo(1);
        ByteBuf chunk = add("p", ID, 3, content, 80, 100).orElseThrow();
        assertThat(ByteBufUtil.getBytes(chunk)).isEqualTo(content);
        assertThat(assembler.inTransit()).isZero();
    }

    @Test
    void aOneBlockChunkIsWholeAtOnce() {
        byte[] content = filled(CHUNK, 2);
        assertThat(ByteBufUtil.getBytes(add("p", ID, 0, content, 0, CHUNK).orElseThrow())).isEqualTo(content);
    }

    @Test
    void chunksOfDifferentPeersFilesAndIndexesDoNotMix() {
        byte[] a = filled(CHUNK, 10);
        byte[] b = filled(CHUNK, 20);
        byte[] c = filled(CHUNK, 30);
        byte[] d = filled(CHUNK, 40);
        add("p", ID, 0, a, 0, 50);
        add("q", ID, 0, b, 0, 50);
        add("p", OTHER, 0, c, 0, 50);
        add("p", ID, 1, d, 0, 50);
        assertThat(assembler.inTransit()).isEqualTo(4);
        assertThat(ByteBufUtil.getBytes(add("q", ID, 0, b, 50, 100).orElseThrow())).isEqualTo(b);
        assertThat(ByteBufUtil.getBytes(add("p", ID, 1, d, 50, 100).orElseThrow())).isEqualTo(d);
        assertThat(ByteBufUtil.getBytes(add("p", OTHER, 0, c, 50, 100).orElseThrow())).isEqualTo(c);
        assertThat(ByteBufUtil.getBytes(add("p", ID, 0, a, 50, 100).orElseThrow())).isEqualTo(a);
    }

    @Test
    void aBlockOutOfOrderIsRefusedAndTheChunkDropped() {
        byte[] content = filled(CHUNK, 3);
        add("p", ID, 0, content, 0, 30);
        assertThatThrownBy(() -> add("p", ID, 0, content, 60, 100))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("block at offset 60 (40 bytes) of chunk 0 does not follow the 30 bytes received of 100");
        assertThat(assembler.inTransit()).isZero();
        // the skipped block arriving late finds no chunk: it is a stray tail, dropped quietly
        assertThat(add("p", ID, 0, content, 30, 60)).isEmpty();
        assertThat(assembler.inTransit()).isZero();
    }

    @Test
    void aDuplicateBlockIsRefused() {
        byte[] content = filled(CHUNK, 4);
        add("p", ID, 0, content, 0, 50);
        assertThatThrownBy(() -> add("p", ID, 0, content, 0, 50)).hasMessageContaining("does not follow the 50 bytes");
        assertThat(assembler.inTransit()).isZero();
    }

    @Test
    void anOverlappingBlockIsRefused() {
        byte[] content = filled(CHUNK, 5);
        add("p", ID, 0, content, 0, 50);
        assertThatThrownBy(() -> add("p", ID, 0, content, 40, 90)).hasMessageContaining("block at offset 40");
        assertThat(assembler.inTransit()).isZero();
    }

    @Test
    void aBlockRunningPastTheEndOfTheChunkIsRefused() {
        byte[] content = filled(CHUNK, 6);
        add("p", ID, 0, content, 0, 50);
        ByteBuf tooLong = block(filled(51, 0), 0, 51);
        assertThatThrownBy(() -> assembler.add("p", ID, 0, 50, tooLong, CHUNK))
                .hasMessage("block at offset 50 (51 bytes) of chunk 0 does not follow the 50 bytes received of 100");
        assertThat(assembler.inTransit()).isZero();
    }

    @Test
    void aFirstBlockLargerThanTheChunkIsRefusedBeforeAnythingIsAllocated() {
        ByteBuf oversize = block(filled(CHUNK + 1, 0), 0, CHUNK + 1);
        assertThatThrownBy(() -> assembler.add("p", ID, 0, 0, oversize, CHUNK))
                .hasMessageContaining("(101 bytes) of chunk 0 does not follow the 0 bytes received of 100");
        assertThat(assembler.inTransit()).isZero();
    }

    @Test
    void aBlockBeyondTheEndWithoutAStartIsDroppedQuietly() {
        ByteBuf beyond = block(filled(10, 0), 0, 10);
        assertThat(assembler.add("p", ID, 0, 1_000_000, beyond, CHUNK)).isEmpty();
        assertThat(assembler.inTransit()).isZero();
    }

    @Test
    void aPeerMayNotHaveMoreThanItsShareOfChunksInTransit() {
        byte[] content = filled(CHUNK, 8);
        for (int i = 0; i < BlockAssembler.MAX_ASSEMBLIES_PER_PEER; i++) {
            add("p", ID, i, content, 0, 10);
        }
        assertThatThrownBy(() -> add("p", ID, BlockAssembler.MAX_ASSEMBLIES_PER_PEER, content, 0, 10))
                .hasMessage("more than 64 chunks in transit");
        assertThat(assembler.inTransit()).isEqualTo(BlockAssembler.MAX_ASSEMBLIES_PER_PEER);
        // another peer is not affected, and p can still finish what it started
        assertThat(add("q", ID, 0, content, 0, 10)).isEmpty();
        assertThat(ByteBufUtil.getBytes(add("p", ID, 5, content, 10, 100).orElseThrow())).isEqualTo(content);
    }

    @Test
    void discardingAChunkOrAPeerReleasesWhatWasReceived() {
        byte[] content = filled(CHUNK, 9);
        add("p", ID, 0, content, 0, 10);
        add("p", ID, 1, content, 0, 10);
        add("q", ID, 0, content, 0, 10);
        assembler.discard("p", ID, 0);
        assertThat(assembler.inTransit()).isEqualTo(2);
        // the cancelled chunk's tail still on the way is dropped quietly
        assertThat(add("p", ID, 0, content, 10, 100)).isEmpty();
        assembler.discard("p");
        assertThat(assembler.inTransit()).isEqualTo(1);
        assertThat(ByteBufUtil.getBytes(add("q", ID, 0, content, 10, 100).orElseThrow())).isEqualTo(content);
    }

    @Test
    void theAssembledChunkHoldsTheBlocksUncopiedAndBelongsToTheCaller() {
        byte[] content = filled(CHUNK, 11);
        add("p", ID, 0, content, 0, 60);
        ByteBuf chunk = add("p", ID, 0, content, 60, 100).orElseThrow();
        assertThat(given).allSatisfy(b -> assertThat(b.refCnt()).isEqualTo(1)); // part of the chunk, not copied
        assertThat(chunk.refCnt()).isEqualTo(1);
        assertThat(chunk.nioBuffers()).hasSize(2);
        assertThat(ByteBufUtil.getBytes(chunk)).isEqualTo(content);
        chunk.release();
        assertThat(given).allSatisfy(b -> assertThat(b.refCnt()).isZero()); // released with the chunk
        returned.removeIf(b -> b == chunk);
    }

    @Test
    void aShortBlockThatDoesNotEndTheChunkIsRefusedAndTheChunkDropped() {
        BlockAssembler<String> strict = new BlockAssembler<>(new UnpooledByteBufAllocator(false), 30);
        byte[] content = filled(CHUNK, 12);
        assertThat(strict.add("p", ID, 0, 0, block(content, 0, 30), CHUNK)).isEmpty();
        assertThatThrownBy(() -> strict.add("p", ID, 0, 30, block(content, 30, 59), CHUNK))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("block at offset 30 of chunk 0 carries 29 bytes (expected: at least 30)");
        assertThat(strict.inTransit()).isZero();
        // the chunk's last block may be short
        assertThat(strict.add("p", ID, 1, 0, block(content, 0, 80), CHUNK)).isEmpty();
        ByteBuf whole = strict.add("p", ID, 1, 80, block(content, 80, 100), CHUNK).orElseThrow();
        assertThat(ByteBufUtil.getBytes(whole)).isEqualTo(content);
        whole.release();
    }
}
