package io.nexo.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** {@code nexo demo}: shows what nexo does, with no set-up, and exits. */
@Command(name = "demo",
        mixinStandardHelpOptions = true,
        header = "Shows the balancer and the P2P network at work; no set-up needed.",
        description = {
                "Shows nexo at work in one process, with no set-up: starts three demo backends and a "
                        + "round-robin load balancer (on 127.0.0.1:8000-8003 when free, else on free ports), "
                        + "sends six requests through it, prints which server answered each and how many each "
                        + "served; then starts three P2P peers on free ports that form a network, one "
                        + "broadcasts, one sends a direct message, prints who received what; then one peer "
                        + "shares a file that another, not connected to it, fetches and verifies by SHA-256.",
                ""})
final class DemoCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Logging.quietUnlessAsked();
        int lb = new LbDemo(spec.commandLine().getOut()).run();
        int peer = new io.nexo.cli.peer.PeerDemo(spec.commandLine().getOut()).run();
        int files = new io.nexo.cli.peer.FileDemo(spec.commandLine().getOut()).run();
        return lb != ExitCodes.OK ? lb : peer != ExitCodes.OK ? peer : files;
    }
}
