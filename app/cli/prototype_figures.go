package cli

import (
	"embedscope/app/service"
	"fmt"
	"image"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"embedscope/views/figures"
)

func init() {
	figureRegistry["prototypes"] = namedFigure{"the mean image of each class (Prototypes panel)", func(c *Context, svc *service.Service) (*plot.Plot, vg.Length, vg.Length, error) {
		ws := svc.WS
		ds := ws.Data()
		if !ds.IsImage() {
			return nil, 0, 0, fmt.Errorf("%s holds no images", ds.Name)
		}
		p, err := svc.FitPrototypes(c.Ctx, "", nil)
		if err != nil {
			return nil, 0, 0, err
		}
		images := make([]image.Image, p.Model.Centers.Rows)
		for r := range images {
			images[r] = p.PrototypeImage(ds, r)
		}
		w, h := figures.PrototypesSize(len(ds.Classes), len(images), 1)
		return figures.Prototypes(ds.Name, ds.Classes, p.Model.Class, images), w, h, nil
	}}
	figureRegistry["confusion-matrix"] = namedFigure{"nearest-prototype confusion matrix on the evaluation split (Prototypes panel)", func(c *Context, svc *service.Service) (*plot.Plot, vg.Length, vg.Length, error) {
		ws := svc.WS
		p, err := svc.FitPrototypes(c.Ctx, "", nil)
		if err != nil {
			return nil, 0, 0, err
		}
		eval := ws.Splits().Eval().Name
		if ws.Splits().Eval().Len() == 0 {
			eval = "train"
		}
		an, err := p.Analyse(c.Ctx, eval)
		if err != nil {
			return nil, 0, 0, err
		}
		ds := ws.Data()
		fig, err := figures.ConfusionMatrix(fmt.Sprintf("Nearest prototype — %s, %s split (accuracy %.4f)", ds.Name, eval, an.Confusion.Accuracy()), ds.Classes, an.Confusion.Counts)
		return fig, 9 * vg.Inch, 7 * vg.Inch, err
	}}
}
