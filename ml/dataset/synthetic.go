package dataset

import (
	"context"
	"fmt"
	"image"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"embedscope/ml/atomicfile"
)

// SyntheticClasses name the ten classes SyntheticImage draws: a shape of a
// colour each. Pairs share a shape or a colour, so that neither alone
// tells every class apart.
var SyntheticClasses = []string{
	"red disc", "orange square", "yellow triangle", "green ring", "teal cross",
	"blue stripes", "purple bars", "pink diamond", "red checks", "blue dots",
}

// syntheticHues are the hues (0..1) of the classes' shapes.
var syntheticHues = []float64{0.0, 0.08, 0.16, 0.33, 0.47, 0.62, 0.76, 0.9, 0.0, 0.62}

// SyntheticImage draws an image of class (0..9) of side×side pixels with
// randomness from rng: a shape of the class's kind and colour (jittered in
// hue, saturation and brightness), of random size (0.25–0.45 of the side)
// and position, on a random dim background, with uniform noise of ±24
// grey levels per channel. It is the test and benchmark data of colour
// images when no real set is at hand (see WriteSyntheticCIFAR).
func SyntheticImage(class, side int, rng *rand.Rand) *image.NRGBA {
	if class < 0 || class >= len(SyntheticClasses) || side < 1 {
		panic(fmt.Sprintf("dataset: SyntheticImage(%d, %d)", class, side))
	}
	img := image.NewNRGBA(image.Rect(0, 0, side, side))
	bg := hsv(rng.Float64(), 0.2+0.4*rng.Float64(), 0.1+0.35*rng.Float64())
	fg := hsv(math.Mod(syntheticHues[class]+0.06*(rng.Float64()-0.5)+1, 1), 0.6+0.4*rng.Float64(), 0.6+0.4*rng.Float64())
	s := float64(side)
	r := s * (0.25 + 0.2*rng.Float64())
	cx, cy := s/2+s*0.25*(rng.Float64()-0.5), s/2+s*0.25*(rng.Float64()-0.5)
	for y := range side {
		for x := range side {
			u, v := (float64(x)+0.5-cx)/r, (float64(y)+0.5-cy)/r
			c := bg
			if inShape(class, u, v) {
				c = fg
			}
			i := img.PixOffset(x, y)
			for k := range 3 {
				img.Pix[i+k] = uint8(min(255, max(0, c[k]+rng.Float64()*48-24)))
			}
			img.Pix[i+3] = 255
		}
	}
	return img
}

// inShape reports whether (u, v), in units of the shape's radius from its
// centre, lies in the shape of class.
func inShape(class int, u, v float64) bool {
	au, av := math.Abs(u), math.Abs(v)
	switch class {
	case 0: // disc
		return u*u+v*v <= 1
	case 1: // square
		return au <= 0.8 && av <= 0.8
	case 2: // triangle, point up
		return v <= 0.8 && v >= -1 && au <= (v+1)/1.8*0.9
	case 3: // ring
		d := u*u + v*v
		return d <= 1 && d >= 0.45
	case 4: // cross
		return au <= 1 && av <= 1 && (au <= 0.3 || av <= 0.3)
	case 5: // horizontal stripes in a square
		return au <= 1 && av <= 1 && int(math.Floor((v+1)*2.5))%2 == 0
	case 6: // vertical bars in a square
		return au <= 1 && av <= 1 && int(math.Floor((u+1)*2.5))%2 == 0
	case 7: // diamond
		return au+av <= 1
	case 8: // checks
		return au <= 1 && av <= 1 && (int(math.Floor((u+1)*2))+int(math.Floor((v+1)*2)))%2 == 0
	default: // two dots
		return (u-0.5)*(u-0.5)+v*v <= 0.2 || (u+0.5)*(u+0.5)+v*v <= 0.2
	}
}

// hsv returns the RGB colour (0..255 a channel) of hue h, saturation s
// and value v, each in [0, 1].
func hsv(h, s, v float64) [3]float64 {
	h6 := h * 6
	i := math.Floor(h6)
	f := h6 - i
	p, q, t := v*(1-s), v*(1-s*f), v*(1-s*(1-f))
	var r, g, b float64
	switch int(i) % 6 {
	case 0:
		r, g, b = v, t, p
	case 1:
		r, g, b = q, v, p
	case 2:
		r, g, b = p, v, t
	case 3:
		r, g, b = p, q, v
	case 4:
		r, g, b = t, p, v
	default:
		r, g, b = v, p, q
	}
	return [3]float64{255 * r, 255 * g, 255 * b}
}

// syntheticTrainBatches is the number of training batch files of
// WriteSyntheticCIFAR, as CIFAR-10 has.
const syntheticTrainBatches = 5

// WriteSyntheticCIFAR writes a CIFAR-10-format data set of SyntheticImage
// images into dir (created if needed): train training images in
// data_batch_1.bin … data_batch_5.bin, test test images in test_batch.bin
// (none when test is 0; batch files beyond those written are removed), and
// SyntheticClasses in batches.meta.txt. Item i
// of a part has class i mod 10 and its own random stream from seed, so the
// same arguments write the same bytes. Each file is written atomically.
// CIFAR-10's size is train 50,000 and test 10,000 (184 MB).
func WriteSyntheticCIFAR(ctx context.Context, dir string, train, test int, seed uint64) error {
	if train < 1 || test < 0 || int64(train+test)*cifarImageBytes > MaxDataBytes {
		return fmt.Errorf("%d training and %d test images: need at least one training image and at most %s of pixels (dataset.MaxDataBytes)", train, test, humanBytes(MaxDataBytes))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	write := func(name string, lo, hi int, stream uint64) error {
		rec := 1 + cifarImageBytes
		b := make([]byte, (hi-lo)*rec)
		for i := lo; i < hi; i++ {
			if i%1024 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			rng := rand.New(rand.NewPCG(seed, stream<<40|uint64(i)))
			class := i % len(SyntheticClasses)
			img := SyntheticImage(class, CIFARSide, rng)
			out := b[(i-lo)*rec:]
			out[0] = byte(class)
			const plane = CIFARSide * CIFARSide
			for p := range plane {
				out[1+p], out[1+plane+p], out[1+2*plane+p] = img.Pix[4*p], img.Pix[4*p+1], img.Pix[4*p+2]
			}
		}
		return atomicfile.Write(filepath.Join(dir, name), b)
	}
	per := (train + syntheticTrainBatches - 1) / syntheticTrainBatches
	for k := range syntheticTrainBatches {
		name := filepath.Join(dir, fmt.Sprintf("data_batch_%d.bin", k+1))
		lo, hi := k*per, min((k+1)*per, train)
		if lo >= hi { // a batch of an earlier, larger set would be read too
			if err := os.Remove(name); err != nil && !os.IsNotExist(err) {
				return err
			}
			continue
		}
		if err := write(filepath.Base(name), lo, hi, 1); err != nil {
			return err
		}
	}
	if test > 0 {
		if err := write(cifar10Test, 0, test, 2); err != nil {
			return err
		}
	} else if err := os.Remove(filepath.Join(dir, cifar10Test)); err != nil && !os.IsNotExist(err) {
		return err
	}
	return atomicfile.Write(filepath.Join(dir, cifar10Meta), []byte(strings.Join(SyntheticClasses, "\n")+"\n"))
}
