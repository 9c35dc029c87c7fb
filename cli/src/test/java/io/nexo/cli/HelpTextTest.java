package io.nexo.cli;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** What {@code --help} prints: whole one-line summaries, and the same flags as the README. */
class HelpTextTest {

    private static final Pattern COMMAND_LINE = Pattern.compile("^  (\\S+)\\s+(.*)$");

    /** {@code nexo --help} and {@code nexo bench --help}: each command on one line, a whole sentence. */
    @ParameterizedTest
    @ValueSource(strings = {"", "bench"})
    void everyCommandSummaryIsOneWholeLine(String parent) {
        CliRun run = parent.isEmpty() ? CliRun.of("--help") : CliRun.of(parent, "--help");
        assertThat(run.exit()).isZero();
        List<String> commands = run.out().lines().dropWhile(l -> !l.equals("Commands:")).skip(1).toList();
        assertThat(commands).isNotEmpty().allSatisfy(line -> {
            Matcher m = COMMAND_LINE.matcher(line);
            assertThat(m.matches()).as("a command and its summary on one line: '%s'", line).isTrue();
            assertThat(m.group(2)).as("summary of %s", m.group(1)).endsWith(".").doesNotContain("  ");
        });
        if (parent.isEmpty()) {
            assertThat(commands).extracting(l -> l.trim().split("\\s+")[0])
                    .containsExactly("help", "demo", "lb", "backend", "request", "peer", "bench");
        }
    }

    /** The README's table for each command lists exactly the flags its {@code --help} lists. */
    @ParameterizedTest
    @ValueSource(strings = {"demo", "lb", "backend", "request", "peer", "bench gossip", "bench transfer"})
    void readmeDocumentsExactlyTheFlagsOfHelp(String command) throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        int start = readme.indexOf("### `nexo " + command + "`");
        assertThat(start).as("README section for nexo %s", command).isNotNegative();
        int end = readme.indexOf("\n#", start + 4);
        String section = readme.substring(start, end < 0 ? readme.length() : end);
        Set<String> documented = new TreeSet<>();
        Matcher row = Pattern.compile("(?m)^\\| `(--[a-z0-9-]+)").matcher(section);
        while (row.find()) {
            documented.add(row.group(1));
        }

        CliRun run = CliRun.of((command + " --help").split(" "));
        assertThat(run.exit()).isZero();
        Set<String> listed = new TreeSet<>();
        Matcher option = Pattern.compile("(?m)^\\s+(?:-\\w, )?(--[a-z0-9-]+)").matcher(run.out());
        while (option.find()) {
            listed.add(option.group(1));
        }
        listed.removeAll(Set.of("--help", "--version"));
        assertThat(documented).as("flags in README's nexo %s table", command).isEqualTo(listed);
    }
}
