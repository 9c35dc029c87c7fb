package io.nexo.lb.health;

import io.nexo.core.net.HostAndPort;
import io.nexo.lb.config.CheckProtocol;

import java.nio.charset.StandardCharsets;

/**
 * What one health check of one backend sends and how it judges the answer.
 *
 * @param request        bytes written once connected (may be empty)
 * @param matcher        judges the answer; {@code null} for the TCP check, which passes on connect
 * @param backendCloses  whether the backend closes first once it answered (HTTP with
 *                       {@code Connection: close}); otherwise the check half-closes first
 */
record CheckExchange(byte[] request, ResponseMatcher matcher, boolean backendCloses) {

    static CheckExchange of(CheckProtocol protocol, HostAndPort backend) {
        if (protocol instanceof CheckProtocol.SendExpect se) {
            return new CheckExchange(se.sendBytes(), new ResponseMatcher.Contains(se), false);
        }
        if (protocol instanceof CheckProtocol.Http http) {
            String request = http.method() + " " + http.path() + " HTTP/1.1\r\n"
                    + "Host: " + backend + "\r\n"
                    + "User-Agent: nexo-lb-health-check\r\n"
                    + "Accept: */*\r\n"
                    + "Connection: close\r\n\r\n";
            return new CheckExchange(request.getBytes(StandardCharsets.US_ASCII),
                    new ResponseMatcher.HttpStatus(http), true);
        }
        return new CheckExchange(new byte[0], null, false);
    }
}
