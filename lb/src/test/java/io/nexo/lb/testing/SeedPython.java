package io.nexo.lb.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The seed's own Python programs, run with {@code python3} as a user would: {@code backend_server.py}
 * exactly as printed in the seed (accept, {@code recv(1024)}, send, close; one thread; backlog 5)
 * and its client. Only the port differs: a two-line wrapper makes {@code listen()} print the port
 * the OS chose, so the handler body stays the seed's.
 */
public final class SeedPython {

    /** The seed's backend_server.py, verbatim. */
    static final String BACKEND_SERVER = """
            import socket

            def start_backend_server(host, port, server_name):
                backend_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                backend_socket.bind((host, port))
                backend_socket.listen(5)
                print(f"{server_name} listening on {host}:{port}")

                while True:
                    client_socket, addr = backend_socket.accept()
                    print(f"[{server_name}] Connection from {addr}")
                    request = client_socket.recv(1024)

                    # Responder al cliente
                    response = f"Response from {server_name}\\n".encode('utf-8')
                    client_socket.send(response)
                    client_socket.close()

            if __name__ == "__main__":
                start_backend_server('127.0.0.1', 8001, 'Server 1')
                # Cambiar puerto y nombre para Server 2, Server 3, etc.
            """;

    /** Runs the seed's server on port 0 and prints the port the OS chose. */
    static final String RUN_BACKEND = """
            import socket, sys
            _listen = socket.socket.listen
            def _listen_and_tell(self, *args):
                _listen(self, *args)
                print("NEXO-TEST-PORT", self.getsockname()[1], flush=True)
            socket.socket.listen = _listen_and_tell
            import backend_server
            backend_server.start_backend_server('127.0.0.1', 0, sys.argv[1])
            """;

    /** The seed's client, verbatim but for the balancer's port ({@code 8000} in the seed). */
    static final String CLIENT = """
            import socket

            def send_request_to_load_balancer():
                client_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                client_socket.connect(('127.0.0.1', 8000))

                # Enviar una solicitud al balanceador
                request = "Hello Load Balancer".encode('utf-8')
                client_socket.send(request)

                # Recibir la respuesta
                response = client_socket.recv(1024)
                print(f"Received: {response.decode('utf-8')}")

                client_socket.close()

            if __name__ == "__main__":
                send_request_to_load_balancer()
            """;

    /** Calls the client's function N times in one process (python starts slowly on a busy machine). */
    static final String RUN_CLIENT = """
            import sys
            import seed_client
            for _ in range(int(sys.argv[1])):
                seed_client.send_request_to_load_balancer()
            """;

    private SeedPython() {
    }

    /** Whether {@code python3} runs here. */
    public static boolean available() {
        try {
            Process p = new ProcessBuilder("python3", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Writes the backend's scripts into {@code dir}. */
    public static void writeBackend(Path dir) throws IOException {
        Files.writeString(dir.resolve("backend_server.py"), BACKEND_SERVER);
        Files.writeString(dir.resolve("run_backend.py"), RUN_BACKEND);
    }

    /** Writes the client's scripts into {@code dir}, aimed at the balancer on {@code balancerPort}. */
    public static void writeClient(Path dir, int balancerPort) throws IOException {
        String client = CLIENT.replace("('127.0.0.1', 8000)", "('127.0.0.1', " + balancerPort + ")");
        if (client.equals(CLIENT) && balancerPort != 8000) {
            throw new IllegalStateException("the client's address line was not found");
        }
        Files.writeString(dir.resolve("seed_client.py"), client);
        Files.writeString(dir.resolve("run_client.py"), RUN_CLIENT);
    }

    /**
     * Runs the seed's client {@code count} times from {@code dir} and returns what it printed after
     * {@code Received: }, one entry per request ("Response from Server 1").
     */
    public static List<String> runClient(Path dir, int count, Duration timeout)
            throws IOException, InterruptedException {
        Process p = new ProcessBuilder("python3", "-u", "run_client.py", Integer.toString(count))
                .directory(dir.toFile()).redirectErrorStream(true).start();
        List<String> answers = new ArrayList<>();
        StringBuilder all = new StringBuilder();
        CompletableFuture<Void> read = CompletableFuture.runAsync(() -> {
            try (BufferedReader r = new BufferedReader(
                    new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    all.append(line).append('\n');
                    if (line.startsWith("Received: ")) {
                        answers.add(line.substring("Received: ".length()));
                    }
                }
            } catch (IOException e) {
                // the process was killed; its output ends here
            }
        });
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the seed client did not finish within " + timeout + ":\n" + all);
        }
        read.join();
        if (p.exitValue() != 0) {
            throw new AssertionError("the seed client exited " + p.exitValue() + ":\n" + all);
        }
        return answers;
    }

    /** One running copy of the seed's backend_server.py. */
    public static final class Backend implements AutoCloseable {
        private final Process process;
        private final Path stderr;
        private final CompletableFuture<Integer> port = new CompletableFuture<>();
        private final AtomicLong connections = new AtomicLong();

        private Backend(Process process, Path stderr, String name) {
            this.process = process;
            this.stderr = stderr;
            String connection = "[" + name + "] Connection from ";
            Thread reader = new Thread(() -> {
                // drains stdout, which the seed writes a line per connection: a full pipe would block it
                try (BufferedReader r = new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        if (line.startsWith("NEXO-TEST-PORT ")) {
                            port.complete(Integer.parseInt(line.substring("NEXO-TEST-PORT ".length()).trim()));
                        } else if (line.startsWith(connection)) {
                            connections.incrementAndGet();
                        }
                    }
                } catch (IOException e) {
                    // process gone
                } finally {
                    port.completeExceptionally(new IllegalStateException("backend exited before listening"));
                }
            }, "seed-" + name);
            reader.setDaemon(true);
            reader.start();
        }

        /** Starts {@code python3 -u run_backend.py NAME} in {@code dir}; its stderr goes to a file there. */
        public static Backend start(Path dir, String name) throws IOException {
            Path err = dir.resolve("stderr-" + name.replace(' ', '-') + ".txt");
            Process p = new ProcessBuilder("python3", "-u", "run_backend.py", name)
                    .directory(dir.toFile()).redirectError(err.toFile()).start();
            return new Backend(p, err, name);
        }

        /** The port it listens on, once it does. */
        public int port(Duration timeout) throws Exception {
            return port.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }

        public boolean isAlive() {
            return process.isAlive();
        }

        /** Connections it printed "Connection from" for: checks and clients alike. */
        public long connections() {
            return connections.get();
        }

        /** What it wrote to stderr (a Python traceback when it died). */
        public String stderr() throws IOException {
            return Files.readString(stderr);
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
