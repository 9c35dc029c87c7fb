package io.nexo.p2p.files;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;

/** Opens file channels; tests inject one that fails the way a full disk does. */
@FunctionalInterface
public interface ChannelOpener {

    /** The real file system. */
    ChannelOpener DEFAULT = FileChannel::open;

    FileChannel open(Path path, OpenOption... options) throws IOException;
}
