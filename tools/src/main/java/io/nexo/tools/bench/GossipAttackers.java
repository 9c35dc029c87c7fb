package io.nexo.tools.bench;

import com.google.protobuf.ByteString;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoopGroup;
import io.nexo.core.transport.Transport;
import io.nexo.p2p.gossip.SignedGossip;
import io.nexo.p2p.node.PeerNode;
import io.nexo.p2p.testing.HostilePeer;
import io.nexo.p2p.wire.WireFormat;
import io.nexo.p2p.wire.WireLimits;
import io.nexo.p2p.wire.proto.Envelope;
import io.nexo.p2p.wire.proto.Gossip;
import io.nexo.p2p.wire.proto.IHave;
import io.nexo.p2p.wire.proto.PeerAddress;
import io.nexo.p2p.wire.proto.PeerExchange;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The hostile part of {@code nexo bench gossip --attackers K}: K peers, each with a key of its own
 * and sessions to {@code degree} random honest nodes (through {@link HostilePeer}, the real
 * handshake), that run issue 11's attacks against those neighbours for the whole run. Every
 * {@value #TICK_MILLIS} ms each session takes the next step of its cycle:
 *
 * <pre>
 *   cycle c, step:  0 a valid signed broadcast of its own (topic "attack"; first session only)
 *                   1 IHave with the largest count of ids nobody has
 *                   2 a replay of the last broadcast the node sent it
 *                   3 unsolicited peer exchange with entries nobody signed
 *                   4 a burst of that replay 200 over the node's rate burst (every 5th cycle)
 *                   5 a broadcast with a bogus signature
 *                   6 a broadcast claiming an honest node's origin, signed with its own key
 *                   7 on every 5th cycle one that costs the session: a garbage frame, a frame
 *                     over the length limit, or three more bogus signatures (in turn)
 *                   9 reconnect if the node closed the session
 * </pre>
 * One attacker in five also stops reading its sockets (a node's queue towards it fills up to its
 * bound). The counters say what was sent and how often the nodes cut a session.
 */
public final class GossipAttackers implements AutoCloseable {

    static final long TICK_MILLIS = 100;
    private static final int STEPS = 10;

    /** What the attackers did during a run. */
    public record Stats(long sessionsOpened, long sessionsLost, long attacksSent, long reconnectsFailed) {
    }

    private final List<Slot> slots = new ArrayList<>();
    /** Peer ids nobody vouches for, named in junk peer-exchange entries (made once: keys cost CPU). */
    private final List<String> junkIds;
    private final List<PeerNode> honest;
    private final int messageBurst;
    private final Random random;
    private final EventLoopGroup group = Transport.best().newEventLoopGroup(1, "bench-attackers");
    private final AtomicLong opened = new AtomicLong();
    private final AtomicLong lost = new AtomicLong();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final io.netty.buffer.ByteBufAllocator attackerMemory = new io.netty.buffer.PooledByteBufAllocator(true);
    private ScheduledFuture<?> ticker;

    /** One attacker's session with one honest neighbour. */
    private final class Slot {
        final HostilePeer.Options options;
        final int attacker;
        final boolean first;
        final PeerNode target;
        HostilePeer peer;
        boolean connecting;
        long cycle;
        int step;
        long seqno;

        Slot(HostilePeer.Options options, int attacker, boolean first, PeerNode target) {
            this.options = options;
            this.attacker = attacker;
            this.first = first;
            this.target = target;
        }
    }

    /**
     * Makes {@code attackers} attackers, each with sessions to {@code degree} distinct random nodes of
     * {@code honest}; connects them all before returning.
     */
    GossipAttackers(List<PeerNode> honest, int attackers, int degree, int messageBurst, Random random) throws Exception {
        this.honest = honest;
        this.messageBurst = messageBurst;
        this.random = random;
        List<HostilePeer.Identity> ids = HostilePeer.Identity.generateAll(attackers);
        junkIds = java.util.stream.IntStream.range(0, WireLimits.MAX_PEX_ENTRIES)
                .mapToObj(i -> io.nexo.p2p.identity.NodeIdentity.generate().peerId().value()).toList();
        for (int a = 0; a < attackers; a++) {
            HostilePeer.Options options = HostilePeer.options().withIdentity(ids.get(a)).withName("attacker" + a)
                    .withAnswerPings(a % 5 != 4).withMaxKept(256).withTimeout(Duration.ofSeconds(60))
                    // an allocator of their own: the process's direct memory figure is then the nodes'
                    .withAllocator(attackerMemory);
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < honest.size(); i++) {
                order.add(i);
            }
            java.util.Collections.shuffle(order, random);
            for (int k = 0; k < Math.min(degree, honest.size()); k++) {
                slots.add(new Slot(options, a, k == 0, honest.get(order.get(k))));
            }
        }
        for (Slot s : slots) {
            s.peer = HostilePeer.connectAsync(group, s.target.listenAddress(), s.options).get(120, TimeUnit.SECONDS);
            opened.incrementAndGet();
            if (s.attacker % 5 == 4) {
                s.peer.stopReading();
            }
        }
    }

    /** Starts the attacks. */
    void start() {
        ticker = group.next().scheduleAtFixedRate(this::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    Stats stats() {
        return new Stats(opened.get(), lost.get(), sent.get(), failed.get());
    }

    private void tick() {
        for (Slot s : slots) {
            try {
                step(s);
            } catch (RuntimeException e) {
                failed.incrementAndGet(); // a write on a closing channel: the next cycle reconnects
            }
            s.step = (s.step + 1) % STEPS;
            if (s.step == 0) {
                s.cycle++;
            }
        }
    }

    private void step(Slot s) {
        if (s.connecting) {
            return;
        }
        if (!s.peer.isOpen()) {
            if (s.step == 9) {
                reconnect(s);
            }
            return;
        }
        HostilePeer p = s.peer;
        switch (s.step) {
            case 0 -> {
                if (s.first) {
                    p.send(wrap(signedOwn(s)));
                    sent.incrementAndGet();
                }
            }
            case 1 -> {
                IHave.Builder ihave = IHave.newBuilder();
                byte[] id = new byte[WireLimits.MESSAGE_ID_BYTES];
                for (int i = 0; i < WireLimits.MAX_IHAVE_IDS; i++) {
                    random.nextBytes(id);
                    ihave.addIds(ByteString.copyFrom(id));
                }
                p.send(Envelope.newBuilder().setIhave(ihave).build());
                sent.incrementAndGet();
            }
            case 2 -> lastBroadcast(p).ifPresent(g -> {
                p.send(wrap(g));
                sent.incrementAndGet();
            });
            case 3 -> {
                PeerExchange.Builder pex = PeerExchange.newBuilder();
                for (int i = 0; i < WireLimits.MAX_PEX_ENTRIES; i++) {
                    pex.addPeers(PeerAddress.newBuilder().setPeerId(junkIds.get(i))
                            .setName("junk" + i).addAddrs("127.0.0.1:" + (1 + random.nextInt(65_000))));
                }
                p.send(Envelope.newBuilder().setPex(pex).build());
                sent.incrementAndGet();
            }
            case 4 -> {
                if (s.cycle % 5 == 1) {
                    lastBroadcast(p).ifPresent(g -> {
                        Envelope e = wrap(g);
                        for (int i = 0; i < messageBurst + 200; i++) {
                            p.write(e);
                        }
                        p.flush();
                        sent.incrementAndGet();
                    });
                }
            }
            case 5 -> {
                p.send(wrap(bogus(signedOwn(s))));
                sent.incrementAndGet();
            }
            case 6 -> {
                PeerNode victim = honest.get(random.nextInt(honest.size()));
                p.send(wrap(signedOwn(s).toBuilder().setOriginId(victim.peerId().value())
                        .setId(SignedGossip.messageId(victim.peerId().value(), s.seqno)).build()));
                sent.incrementAndGet();
            }
            case 7 -> {
                if (s.cycle % 5 == 3) {
                    costSession(s, p);
                    sent.incrementAndGet();
                }
            }
            default -> {
            }
        }
    }

    /** One of the attacks after which the node closes the session, in turn. */
    private void costSession(Slot s, HostilePeer p) {
        switch ((int) (s.cycle / 5 % 3)) {
            case 0 -> {
                byte[] junk = new byte[200];
                random.nextBytes(junk);
                p.sendFrame(WireFormat.KIND_ENVELOPE, junk);
            }
            case 1 -> {
                ByteBuf b = p.channel().alloc().buffer(WireFormat.LENGTH_BYTES + 1);
                b.writeInt(16 << 20).writeByte(WireFormat.KIND_ENVELOPE);
                p.sendRaw(b);
            }
            default -> {
                for (int i = 0; i < 3; i++) {
                    p.send(wrap(bogus(signedOwn(s))));
                }
            }
        }
    }

    private void reconnect(Slot s) {
        s.connecting = true;
        HostilePeer.connectAsync(group, s.target.listenAddress(), s.options).whenComplete((p, e) -> {
            group.execute(() -> {
                s.connecting = false;
                if (e != null) {
                    failed.incrementAndGet();
                    return;
                }
                s.peer = p;
                opened.incrementAndGet();
                if (s.attacker % 5 == 4) {
                    p.stopReading();
                }
            });
        });
        lost.incrementAndGet();
    }

    private Gossip signedOwn(Slot s) {
        return SignedGossip.sign(s.options.identity(), s.options.name(), ++s.seqno, System.currentTimeMillis(),
                "attack", ByteString.copyFrom(new byte[64]));
    }

    private static Gossip bogus(Gossip g) {
        byte[] sig = g.getSignature().toByteArray();
        sig[sig.length / 2] ^= 1;
        return g.toBuilder().setSignature(ByteString.copyFrom(sig)).build();
    }

    private static Optional<Gossip> lastBroadcast(HostilePeer p) {
        List<Envelope> h = p.history();
        for (int i = h.size() - 1; i >= 0; i--) {
            if (h.get(i).hasGossip()) {
                return Optional.of(h.get(i).getGossip());
            }
        }
        return Optional.empty();
    }

    private static Envelope wrap(Gossip g) {
        return Envelope.newBuilder().setGossip(g).build();
    }

    @Override
    public void close() {
        if (ticker != null) {
            ticker.cancel(false);
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }
}
