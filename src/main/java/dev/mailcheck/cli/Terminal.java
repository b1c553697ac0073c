package dev.mailcheck.cli;

/**
 * Whether standard output and error are terminals. Java 21 cannot tell them apart from a pipe on its
 * own, so the launcher tests them ({@code [ -t 1 ]}) and passes {@code -Dchecker.tty=out,err}.
 */
final class Terminal {

    private Terminal() {
    }

    static boolean stdout() {
        return System.getProperty("checker.tty", "").contains("out");
    }

    static boolean stderr() {
        return System.getProperty("checker.tty", "").contains("err");
    }
}
