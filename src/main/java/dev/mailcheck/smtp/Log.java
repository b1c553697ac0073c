package dev.mailcheck.smtp;

import java.util.ArrayList;
import java.util.List;

/** Part of a session as C:/S: lines, with the replies among them in order: what an address's report shows. */
record Log(List<String> lines, List<Reply> replies) {

    static Log start() {
        return new Log(new ArrayList<>(), new ArrayList<>());
    }

    /** A new log: this one, then {@code more}. */
    Log then(Log... more) {
        Log all = new Log(new ArrayList<>(lines), new ArrayList<>(replies));
        for (Log m : more) {
            all.lines.addAll(m.lines);
            all.replies.addAll(m.replies);
        }
        return all;
    }
}
