package nn

import "flag"

var profileFlag = flag.Bool("nnprofile", false, "run the per-layer timing of the seed network")

var hashFlag = flag.Bool("nnhash", false, "log a hash of the weights after a few training steps")

var archFlag = flag.String("nnarch", "seed", "network of -nnprofile: seed or small")
