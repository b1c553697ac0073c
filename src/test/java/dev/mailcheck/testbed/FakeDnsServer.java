package dev.mailcheck.testbed;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Master;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * An in-process fake DNS server on 127.0.0.1, UDP and TCP on one free port, only for faults a real
 * server (NSD) cannot be told to produce: truncation, wrong ids, garbage, silence, a server that dies
 * mid-batch. A {@link Script} decides the bytes of every answer; every query is kept with its transport.
 */
public final class FakeDnsServer implements AutoCloseable {

    public enum Transport { UDP, TCP }

    public record Query(Transport transport, Name name, int type) {
    }

    /** What the server sends back for one query: the wire bytes, or null to stay silent. */
    @FunctionalInterface
    public interface Script {
        byte[] answer(Message query, Transport transport) throws IOException;
    }

    private final DatagramSocket udp;
    private final ServerSocket tcp;
    private final Script script;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final Set<Socket> clients = ConcurrentHashMap.newKeySet();
    private final List<Query> queries = Collections.synchronizedList(new ArrayList<>());
    private final Set<Integer> udpClientPorts = ConcurrentHashMap.newKeySet();
    /** Time between two bytes of a TCP answer, or null to send each answer in one write. */
    private volatile java.time.Duration tcpDrip;

    public FakeDnsServer(Script script) {
        this.script = script;
        DatagramSocket u = null;
        ServerSocket t = null;
        // A port free for both: UDP first, then TCP on the same number.
        for (int attempt = 0; attempt < 20 && t == null; attempt++) {
            try {
                u = new DatagramSocket(0, InetAddress.getLoopbackAddress());
                t = new ServerSocket(u.getLocalPort(), 50, InetAddress.getLoopbackAddress());
            } catch (IOException e) {
                if (u != null) {
                    u.close();
                }
            }
        }
        if (t == null) {
            throw new UncheckedIOException(new IOException("no port free for UDP and TCP on 127.0.0.1"));
        }
        udp = u;
        tcp = t;
        threads.execute(this::serveUdp);
        threads.execute(this::serveTcp);
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), udp.getLocalPort());
    }

    /** From now on sends TCP answers one byte every {@code perByte}, as a server that drips them would. */
    public FakeDnsServer dripTcp(java.time.Duration perByte) {
        tcpDrip = perByte;
        return this;
    }

    /** Every query received so far, in order. */
    public List<Query> queries() {
        synchronized (queries) {
            return List.copyOf(queries);
        }
    }

    /** The ports UDP queries have come from so far (a client's sockets). */
    public Set<Integer> udpClientPorts() {
        return Set.copyOf(udpClientPorts);
    }

    /** Stops answering at once: both sockets and every open TCP connection are closed. */
    @Override
    public void close() {
        udp.close();
        try {
            tcp.close();
        } catch (IOException e) {
            // closing anyway
        }
        clients.forEach(c -> {
            try {
                c.close();
            } catch (IOException e) {
                // closing anyway
            }
        });
        threads.shutdownNow();
    }

    /** A reply to {@code query}: its id and question, QR and AA set, the given rcode, no records yet. */
    public static Message reply(Message query, int rcode) {
        Message m = new Message(query.getHeader().getID());
        m.getHeader().setFlag(Flags.QR);
        m.getHeader().setFlag(Flags.AA);
        m.getHeader().setRcode(rcode);
        m.addRecord(query.getQuestion(), Section.QUESTION);
        return m;
    }

    /**
     * Answers from zone-file text as an authoritative server would: the records of the name and type
     * asked, else its CNAME (the resolver follows it), else NODATA; NXDOMAIN for a name it has nothing at.
     */
    public static Script zone(String zoneFile) {
        List<Record> records = parse(zoneFile);
        return (query, transport) -> answerFrom(records, query).toWire();
    }

    private static Message answerFrom(List<Record> records, Message query) {
        Name name = query.getQuestion().getName();
        int type = query.getQuestion().getType();
        List<Record> atName = records.stream().filter(r -> r.getName().equals(name)).toList();
        if (atName.isEmpty()) {
            return reply(query, Rcode.NXDOMAIN);
        }
        Message m = reply(query, Rcode.NOERROR);
        List<Record> exact = atName.stream().filter(r -> r.getType() == type).toList();
        List<Record> answer = exact.isEmpty() ? atName.stream().filter(r -> r.getType() == Type.CNAME).toList() : exact;
        answer.forEach(r -> m.addRecord(r, Section.ANSWER));
        return m;
    }

    /** Records from zone-file text ({@code $ORIGIN} and {@code $TTL} as in any zone file). */
    private static List<Record> parse(String zoneFile) {
        List<Record> out = new ArrayList<>();
        try (Master master = new Master(new ByteArrayInputStream(zoneFile.getBytes(StandardCharsets.US_ASCII)),
                Name.root, 300)) {
            for (Record r = master.nextRecord(); r != null; r = master.nextRecord()) {
                out.add(r);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private void serveUdp() {
        byte[] buffer = new byte[65_535];
        while (!udp.isClosed()) {
            DatagramPacket in = new DatagramPacket(buffer, buffer.length);
            try {
                udp.receive(in);
            } catch (IOException e) {
                return;
            }
            byte[] data = java.util.Arrays.copyOf(in.getData(), in.getLength());
            InetSocketAddress from = (InetSocketAddress) in.getSocketAddress();
            udpClientPorts.add(from.getPort());
            threads.execute(() -> {
                byte[] out = answer(data, Transport.UDP);
                if (out != null && !udp.isClosed()) {
                    try {
                        udp.send(new DatagramPacket(out, out.length, from));
                    } catch (IOException e) {
                        // the server is closing
                    }
                }
            });
        }
    }

    private void serveTcp() {
        while (!tcp.isClosed()) {
            Socket s;
            try {
                s = tcp.accept();
            } catch (IOException e) {
                return;
            }
            clients.add(s);
            threads.execute(() -> {
                try (s; DataInputStream in = new DataInputStream(s.getInputStream());
                     DataOutputStream out = new DataOutputStream(s.getOutputStream())) {
                    while (true) {
                        byte[] data = new byte[in.readUnsignedShort()];
                        in.readFully(data);
                        byte[] answer = answer(data, Transport.TCP);
                        if (answer != null) {
                            java.io.ByteArrayOutputStream framed = new java.io.ByteArrayOutputStream();
                            new DataOutputStream(framed).writeShort(answer.length);
                            framed.write(answer);
                            send(out, framed.toByteArray());
                        }
                    }
                } catch (IOException | InterruptedException e) {
                    // the client or the server closed the connection
                } finally {
                    clients.remove(s);
                }
            });
        }
    }

    private void send(DataOutputStream out, byte[] bytes) throws IOException, InterruptedException {
        java.time.Duration drip = tcpDrip;
        if (drip == null) {
            out.write(bytes);
            out.flush();
            return;
        }
        for (byte b : bytes) {
            out.write(b);
            out.flush();
            Thread.sleep(drip);
        }
    }

    private byte[] answer(byte[] data, Transport transport) {
        try {
            Message query = new Message(data);
            queries.add(new Query(transport, query.getQuestion().getName(), query.getQuestion().getType()));
            return script.answer(query, transport);
        } catch (IOException e) {
            return null; // not a query: a real server would drop it too
        }
    }
}
