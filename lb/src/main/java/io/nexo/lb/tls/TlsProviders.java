package io.nexo.lb.tls;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** BoringSSL (netty-tcnative) when it loads, else the JDK's engine; chosen once, as the p2p side does. */
final class TlsProviders {

    private static final Logger log = LoggerFactory.getLogger(TlsProviders.class);

    private TlsProviders() {
    }

    static SslProvider provider() {
        return Holder.PROVIDER;
    }

    private static final class Holder {
        static final SslProvider PROVIDER = choose();

        private static SslProvider choose() {
            if (OpenSsl.isAvailable()) {
                return SslProvider.OPENSSL;
            }
            log.info("native TLS (BoringSSL) unavailable ({}); using the JDK's TLS engine",
                    String.valueOf(OpenSsl.unavailabilityCause()));
            return SslProvider.JDK;
        }
    }

    /** The protocol versions a minimum version allows. */
    static String[] protocols(String minVersion) {
        return minVersion.equals("TLSv1.3") ? new String[] {"TLSv1.3"} : new String[] {"TLSv1.3", "TLSv1.2"};
    }
}
