/*
 * version.h -- the project's version: the one definition that softpause --version,
 * fund --version and the Makefile (softpause.pc) all read.
 */
#ifndef DACC_VERSION_H
#define DACC_VERSION_H

#define DACC_VERSION "0.1.0"

#endif
