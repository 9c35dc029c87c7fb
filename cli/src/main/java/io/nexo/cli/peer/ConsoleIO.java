package io.nexo.cli.peer;

import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/**
 * Where the peer console reads commands and prints events: JLine (line editing, history, events
 * printed above the prompt) on a terminal, plain lines otherwise (pipes, tests, scripts).
 */
interface ConsoleIO extends AutoCloseable {

    /** The next line, or null at end of input. */
    String readLine(String prompt) throws IOException;

    /** Prints one line; safe from any thread. */
    void println(String line);

    /** True for an interactive terminal (Ctrl-D means quit there). */
    boolean interactive();

    /**
     * The next command, stripped, skipping blank lines (with a {@code > } prompt on a terminal), or
     * null when the user leaves: end of input, {@code exit}, {@code /quit} or {@code /exit}.
     */
    default String readCommand() throws IOException {
        while (true) {
            String line = readLine(interactive() ? "> " : "");
            if (line == null) {
                return null;
            }
            line = line.strip();
            if (line.equals("exit") || line.equals("/quit") || line.equals("/exit")) {
                return null;
            }
            if (!line.isEmpty()) {
                return line;
            }
        }
    }

    @Override
    void close();

    static ConsoleIO plain(InputStream in, PrintWriter out) {
        return new Plain(in, out);
    }

    static ConsoleIO terminal() throws IOException {
        return new JLine(TerminalBuilder.builder().system(true).build());
    }

    final class Plain implements ConsoleIO {
        private final BufferedReader in;
        private final PrintWriter out;

        Plain(InputStream in, PrintWriter out) {
            this.in = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            this.out = out;
        }

        @Override
        public String readLine(String prompt) throws IOException {
            if (!prompt.isEmpty()) {
                // a whole line, so that programs reading the output line by line see the question
                println(prompt.strip());
            }
            return in.readLine();
        }

        @Override
        public void println(String line) {
            synchronized (out) {
                out.println(line);
                out.flush();
            }
        }

        @Override
        public boolean interactive() {
            return false;
        }

        @Override
        public void close() {
            out.flush();
        }
    }

    final class JLine implements ConsoleIO {
        private final Terminal terminal;
        private final LineReader reader;

        JLine(Terminal terminal) {
            this.terminal = terminal;
            this.reader = LineReaderBuilder.builder().terminal(terminal).build();
        }

        @Override
        public String readLine(String prompt) {
            try {
                return reader.readLine(prompt);
            } catch (EndOfFileException | UserInterruptException e) {
                return null;
            }
        }

        @Override
        public void println(String line) {
            reader.printAbove(line);
        }

        @Override
        public boolean interactive() {
            return true;
        }

        @Override
        public void close() {
            try {
                terminal.close();
            } catch (IOException ignored) {
                // closing the terminal at exit; nothing left to do
            }
        }
    }
}
