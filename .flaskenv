FLASK_APP=tracker
