package dev.pinhole.packaging;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The instructions of a Dockerfile, continuation lines joined and comments dropped. */
record Dockerfile(List<Instruction> instructions) {

    /** One instruction: keyword (upper case) and its argument text. */
    record Instruction(String keyword, String arguments) {
    }

    static Dockerfile read(Path file) {
        try {
            List<Instruction> instructions = new ArrayList<>();
            StringBuilder pending = new StringBuilder();
            for (String line : Files.readAllLines(file)) {
                String trimmed = line.strip();
                if (trimmed.startsWith("#") || (trimmed.isEmpty() && pending.isEmpty())) {
                    continue;
                }
                if (trimmed.endsWith("\\")) {
                    pending.append(trimmed, 0, trimmed.length() - 1).append(' ');
                    continue;
                }
                pending.append(trimmed);
                String text = pending.toString().strip();
                pending.setLength(0);
                int space = text.indexOf(' ');
                instructions.add(space < 0
                        ? new Instruction(text.toUpperCase(Locale.ROOT), "")
                        : new Instruction(text.substring(0, space).toUpperCase(Locale.ROOT),
                                text.substring(space + 1).strip()));
            }
            return new Dockerfile(List.copyOf(instructions));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    List<Instruction> all(String keyword) {
        return instructions.stream().filter(i -> i.keyword().equals(keyword)).toList();
    }

    /** Instructions of the last (runtime) stage. */
    Dockerfile finalStage() {
        int last = 0;
        for (int i = 0; i < instructions.size(); i++) {
            if (instructions.get(i).keyword().equals("FROM")) {
                last = i;
            }
        }
        return new Dockerfile(instructions.subList(last, instructions.size()));
    }
}
