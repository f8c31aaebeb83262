package org.nftoffload.config;

/** A configuration file was refused: the message names the file, the setting and what is wrong with it. */
public final class ConfigException extends Exception {

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }

  public ConfigException(String message) {
    super(message);
  }
}
