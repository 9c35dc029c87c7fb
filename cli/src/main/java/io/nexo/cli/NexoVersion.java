package io.nexo.cli;

import picocli.CommandLine;

/** Reads nexo's version from the jar manifest (or says "development" when run from classes). */
final class NexoVersion implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = Nexo.class.getPackage().getImplementationVersion();
        return new String[] {"nexo " + (v != null ? v : "development build"),
                "Java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")"};
    }
}
